using System.Text;
using AxWorkbench.Core.Documents.Parsing;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>Format detection and the parsers, in process, on files the tests make.</summary>
public sealed class ParsingTests(ITestOutputHelper output)
{
    [Fact]
    public void ExecutableRenamedPdf_IsRejectedAsAProgram()
    {
        var ex = Assert.Throws<DocumentRejectedException>(() => FileTypeDetector.Detect(HostileFiles.Executable(), ParserLimits.Default));
        Assert.Equal(RejectionReason.UnknownFormat, ex.Reason);
        Assert.Contains("Windows program", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZipThatIsNotAnOfficeDocument_IsRejected()
    {
        var zip = HostileFiles.Zip(("notes/readme.txt", "hello"u8.ToArray()));
        var ex = Assert.Throws<DocumentRejectedException>(() => FileTypeDetector.Detect(zip, ParserLimits.Default));
        Assert.Contains("neither a Word", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatIsDecidedByBytes_NotName()
    {
        Assert.Equal(DocumentKind.Pdf, FileTypeDetector.Detect(HostileFiles.TextPdf("hello"), ParserLimits.Default));
        Assert.Equal(DocumentKind.Docx, FileTypeDetector.Detect(HostileFiles.DocxParagraphs(["a"]), ParserLimits.Default));
        Assert.Equal(DocumentKind.Hwpx, FileTypeDetector.Detect(HostileFiles.Hwpx(["가나다"]), ParserLimits.Default));
        Assert.Equal(DocumentKind.Html, FileTypeDetector.Detect("<!DOCTYPE html><html><body>x</body></html>"u8.ToArray(), ParserLimits.Default));
        Assert.Equal(DocumentKind.Text, FileTypeDetector.Detect("# Title\n\nplain"u8.ToArray(), ParserLimits.Default));
    }

    [Fact]
    public void PasswordProtectedDocx_IsRejectedAsEncrypted()
    {
        var ole = new byte[2048];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(ole, 0);
        Encoding.Unicode.GetBytes("EncryptedPackage").CopyTo(ole, 600);
        var ex = Assert.Throws<DocumentRejectedException>(() => FileTypeDetector.Detect(ole, ParserLimits.Default));
        Assert.Equal(RejectionReason.Encrypted, ex.Reason);
    }

    [Fact]
    public void Pdf_TextComesOutPerPageInOrder()
    {
        var parsed = DocumentParsing.Parse(HostileFiles.TextPdf("SECRET//NOFORN", "(S//NF) The convoy leaves at dawn.", "(U) Weather is clear."));
        var page = Assert.Single(parsed.Pages);
        Assert.Contains("The convoy leaves at dawn.", page.Text, StringComparison.Ordinal);
        Assert.True(page.Text.IndexOf("convoy", StringComparison.Ordinal) < page.Text.IndexOf("Weather", StringComparison.Ordinal));
    }

    [Fact]
    public void RecursiveFormXObjects_AreRefusedBeforePdfPigRecurses()
    {
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentParsing.Parse(HostileFiles.RecursiveFormsPdf()));
        Assert.Equal(RejectionReason.RecursiveStructure, ex.Reason);
        Assert.Contains("Page 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DocxNested100kDeep_IsRefusedQuickly()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentParsing.Parse(HostileFiles.DeeplyNestedDocx()));
        Assert.Equal(RejectionReason.ResourceLimit, ex.Reason);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"took {started.Elapsed}");
    }

    [Fact]
    public void ZipBomb_IsRefusedInWellUnderASecond()
    {
        var bomb = HostileFiles.ZipBombDocx();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentParsing.Parse(bomb));
        output.WriteLine($"zip bomb ({bomb.Length:N0} bytes) refused in {started.ElapsedMilliseconds} ms: {ex.Message}");
        Assert.Equal(RejectionReason.ResourceLimit, ex.Reason);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), $"took {started.Elapsed}");
    }

    [Fact]
    public void Docx_ParagraphsTablesAndPageBreaks()
    {
        var docx = HostileFiles.Docx(
            "<w:p><w:r><w:t>First paragraph</w:t></w:r></w:p>"
            + "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell one</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>cell two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
            + "<w:p><w:r><w:br w:type=\"page\"/><w:t>Second page</w:t></w:r></w:p>");
        var parsed = DocumentParsing.Parse(docx);
        Assert.Equal(2, parsed.Pages.Count);
        Assert.Equal(["First paragraph", "cell one", "cell two"], parsed.Pages[0].Text.Split('\n'));
        Assert.Equal("Second page", parsed.Pages[1].Text);
    }

    [Fact]
    public void Html_KeepsVisibleTextOnly()
    {
        var html = "<html><head><title>t</title><style>p{}</style></head><body><p>Visible one</p><script>alert('x')</script><div hidden>secret hidden</div><p style=\"display: none\">nope</p><ul><li>Item</li></ul></body></html>";
        var parsed = DocumentParsing.Parse(Encoding.UTF8.GetBytes(html));
        Assert.Equal("Visible one\nItem", parsed.Pages[0].Text);
    }

    [Fact]
    public void Text_Utf8WithAndWithoutBom_AndUtf16()
    {
        const string korean = "국방 정보 보호 지침";
        Assert.Equal(korean, DocumentParsing.Parse(Encoding.UTF8.GetBytes(korean)).Pages[0].Text);
        Assert.Equal(korean, DocumentParsing.Parse([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(korean)]).Pages[0].Text);
        Assert.Equal(korean, DocumentParsing.Parse([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(korean)]).Pages[0].Text);
    }

    [Fact]
    public void KoreanFixtures_FromDefenseLaws_ReadBackExactlyAsDocxHwpxAndCp949()
    {
        var folder = Corpora.Folder("kr-defense-laws", output, nameof(KoreanFixtures_FromDefenseLaws_ReadBackExactlyAsDocxHwpxAndCp949));
        if (folder is null)
        {
            return;
        }
        var paragraphs = HostileFiles.KoreanParagraphs(folder, 40);
        Assert.True(paragraphs.Count >= 10, "expected Korean statute text in the corpus");
        var expected = string.Join('\n', paragraphs);

        var docx = DocumentParsing.Parse(HostileFiles.DocxParagraphs(paragraphs));
        Assert.Equal(DocumentKind.Docx, docx.Format);
        Assert.Equal(expected, string.Join('\n', docx.Pages.Select(p => p.Text)));

        var hwpx = DocumentParsing.Parse(HostileFiles.Hwpx([.. paragraphs.Take(20)], [.. paragraphs.Skip(20)]));
        Assert.Equal(DocumentKind.Hwpx, hwpx.Format);
        Assert.Equal(2, hwpx.Pages.Count);
        Assert.Equal(expected, string.Join('\n', hwpx.Pages.Select(p => p.Text)));

        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var cp949 = Encoding.GetEncoding(949);
        var representable = string.Join('\n', paragraphs.Where(p => cp949.GetString(cp949.GetBytes(p)) == p));
        var text = DocumentParsing.Parse(cp949.GetBytes(representable));
        Assert.Equal(DocumentKind.Text, text.Format);
        Assert.Contains("cp949", text.Warnings[0], StringComparison.Ordinal);
        Assert.Equal(representable, text.Pages[0].Text);
        output.WriteLine($"Korean fixtures: {paragraphs.Count} paragraphs, {expected.Length:N0} characters, identical in DOCX, HWPX and CP949.");
    }
}
