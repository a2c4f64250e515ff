using System.Diagnostics;
using AxWorkbench.Core.Documents.Parsing;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// Scans through the real parser worker and the real tesseract: image-only PDFs, multi-page TIFFs, turned pages, JPEG;
/// the limits (pages, pixels, truncated files) refuse with the limit named, inside the worker, leaving this process and
/// the worker unharmed. The scans are made by the test (<see cref="ScanFiles"/>).
/// </summary>
public sealed class OcrTests(ITestOutputHelper output)
{
    private static readonly string[] Brief =
    [
        "The committee reported the border activity in the northern sector.",
        "Troops moved along the river at dawn and returned before noon.",
        "제1조(목적) 이 법은 군사기밀을 보호하기 위하여 필요한 사항을 규정한다.",
    ];

    private static string NoSpaces(string text) => new([.. text.Where(c => !char.IsWhiteSpace(c))]);

    private static void AssertReadsTheBrief(ParsedPage page)
    {
        Assert.Equal(PageSource.Ocr, page.Source);
        Assert.Contains("border activity in the northern sector", page.Text, StringComparison.Ordinal);
        Assert.Contains("군사기밀을보호하기", NoSpaces(page.Text), StringComparison.Ordinal);
        Assert.NotNull(page.Confidence);
        Assert.InRange(page.Confidence!.Value, 0.75, 1.0);
    }

    [Fact]
    public async Task ImageOnlyPdf_IsReadByOcr_WithSourceAndConfidence()
    {
        ScanFiles.RequireTesseract();
        var pdf = ScanFiles.ImageOnlyPdf(ScanFiles.Page(Brief));
        await using var worker = WorkerHost.Start();
        var steps = new List<ParseProgress>();

        var parsed = await worker.ParseAsync(pdf, progress: new SynchronousProgress(steps.Add));

        var page = Assert.Single(parsed.Pages);
        output.WriteLine($"confidence {page.Confidence:0.000}: {page.Text}");
        Assert.Equal(DocumentKind.Pdf, parsed.Format);
        AssertReadsTheBrief(page);
        Assert.Equal([new ParseProgress(1, 1, 1, PageSource.Ocr)], steps);
        Assert.Contains(parsed.Warnings, w => w.Contains("read by OCR", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MultiPageTiff_EveryPageIsReadByOcr_InOrder()
    {
        ScanFiles.RequireTesseract();
        string[] words = ["ALPHA", "BRAVO", "CHARLIE"];
        var tiff = ScanFiles.Tiff([.. words.Select(w => ScanFiles.Page([$"Section {w} of the convoy report.", .. Brief]))]);
        await using var worker = WorkerHost.Start();

        var parsed = await worker.ParseAsync(tiff);

        Assert.Equal(DocumentKind.Tiff, parsed.Format);
        Assert.Equal([1, 2, 3], parsed.Pages.Select(p => p.Number));
        for (var i = 0; i < words.Length; i++)
        {
            output.WriteLine($"page {i + 1} ({parsed.Pages[i].Confidence:0.000}): {parsed.Pages[i].Text}");
            Assert.Contains($"Section {words[i]} of the convoy report", parsed.Pages[i].Text, StringComparison.Ordinal);
            AssertReadsTheBrief(parsed.Pages[i]);
        }
    }

    [Theory]
    [InlineData(90)]
    [InlineData(180)]
    [InlineData(270)]
    public async Task TurnedScan_IsTurnedUpright_AndRead(int degrees)
    {
        ScanFiles.RequireTesseract();
        var png = ScanFiles.Page(Brief, rotate: degrees);
        await using var worker = WorkerHost.Start();

        var parsed = await worker.ParseAsync(png);

        var page = Assert.Single(parsed.Pages);
        output.WriteLine($"{degrees}°: confidence {page.Confidence:0.000}: {page.Text}");
        Assert.Equal(DocumentKind.Png, parsed.Format);
        AssertReadsTheBrief(page);
    }

    [Fact]
    public async Task JpegScan_IsReadByOcr()
    {
        ScanFiles.RequireTesseract();
        var jpeg = ScanFiles.Page(Brief, format: "jpg");
        await using var worker = WorkerHost.Start();

        var parsed = await worker.ParseAsync(jpeg);

        Assert.Equal(DocumentKind.Jpeg, parsed.Format);
        AssertReadsTheBrief(Assert.Single(parsed.Pages));
    }

    [Fact]
    public async Task ScanOverThePageLimit_IsRefusedNamingTheLimit()
    {
        ScanFiles.RequireTesseract();
        var page = ScanFiles.Page(Brief);
        var pdf = ScanFiles.ImageOnlyPdf(page, page, page);
        var tiff = ScanFiles.Tiff(page, page, page);
        var limits = ParserLimits.Default with { MaxOcrPages = 2 };
        await using var worker = WorkerHost.Start();

        var fromPdf = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(pdf, limits: limits));
        var fromTiff = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(tiff, limits: limits));

        output.WriteLine(fromPdf.Message);
        output.WriteLine(fromTiff.Message);
        foreach (var ex in new[] { fromPdf, fromTiff })
        {
            Assert.Equal(RejectionReason.ResourceLimit, ex.Reason);
            Assert.Contains("at most 2 pages", ex.Message, StringComparison.Ordinal);
            Assert.Contains("Documents:Worker:MaxOcrPages", ex.Message, StringComparison.Ordinal);
        }
        Assert.Contains("3 scanned pages", fromPdf.Message, StringComparison.Ordinal);
        Assert.Equal(0, worker.Restarts);
    }

    [Fact]
    public async Task DecompressionBombPng_IsRefusedFromItsHeader_TheWorkerAndThisProcessUnharmed()
    {
        var bomb = WorkerHost.WriteTemp(ScanFiles.BombPng(200_000, 200_000), "bomb.png"); // 40 gigapixels in a few KB
        await using var worker = WorkerHost.Start();
        await worker.SendAsync(Core.Documents.Worker.WorkerProtocol.PingCommand, null, null, CancellationToken.None);
        var before = Process.GetCurrentProcess().WorkingSet64;
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(bomb));

        clock.Stop();
        output.WriteLine($"{new FileInfo(bomb).Length:N0} bytes refused in {clock.ElapsedMilliseconds} ms: {ex.Message}");
        Assert.Equal(RejectionReason.ResourceLimit, ex.Reason);
        Assert.Contains("Documents:Worker:MaxImageMegapixels", ex.Message, StringComparison.Ordinal);
        Assert.Contains("200,000 x 200,000", ex.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(0, worker.Restarts);
        Assert.True(Process.GetCurrentProcess().WorkingSet64 - before < 200L * 1024 * 1024, "this process grew by more than 200 MB");
        var next = await worker.ParseAsync(WorkerHost.WriteTemp(HostileFiles.TextPdf("still here"), "next.pdf"));
        Assert.Contains("still here", next.Pages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedTiff_IsRefusedBeforeDecoding_TheWorkerUnharmed()
    {
        ScanFiles.RequireTesseract();
        var page = ScanFiles.Page(Brief);
        var whole = await File.ReadAllBytesAsync(ScanFiles.Tiff(page, page));
        var truncated = WorkerHost.WriteTemp(whole[..(whole.Length * 2 / 3)], "truncated.tif");
        await using var worker = WorkerHost.Start();

        var ex = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(truncated));

        output.WriteLine(ex.Message);
        Assert.Equal(RejectionReason.Malformed, ex.Reason);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, worker.Restarts);
        var next = await worker.ParseAsync(WorkerHost.WriteTemp(HostileFiles.TextPdf("next file"), "next.pdf"));
        Assert.Contains("next file", next.Pages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutOcr_ScansAreRefusedAndScannedPagesFlagged_NamingWhy()
    {
        var page = ScanFiles.Page(Brief);
        var scanPdf = ScanFiles.ImageOnlyPdf(page);
        var textPdf = WorkerHost.WriteTemp(HostileFiles.TextPdf("(U) The cover page has a text layer of more than forty letters."), "cover.pdf");
        var mixed = ScanFiles.Unite(textPdf, scanPdf);
        var noOcr = ParserLimits.Default with { Ocr = false };
        await using var worker = WorkerHost.Start();

        var image = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(page, limits: noOcr));
        var scan = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(scanPdf, limits: noOcr));
        var flagged = await worker.ParseAsync(mixed, limits: noOcr);

        output.WriteLine(image.Message);
        output.WriteLine(scan.Message);
        Assert.Equal(RejectionReason.OcrUnavailable, image.Reason);
        Assert.Equal(RejectionReason.OcrUnavailable, scan.Reason);
        Assert.Contains("Documents:Worker:Ocr", image.Message, StringComparison.Ordinal);
        Assert.Contains("no text layer", scan.Message, StringComparison.Ordinal);
        Assert.Equal([PageSource.Text, PageSource.Unread], flagged.Pages.Select(p => p.Source));
        Assert.Equal("", flagged.Pages[1].Text);
        Assert.Contains(flagged.Warnings, w => w.StartsWith("Page 2 is a scanned image", StringComparison.Ordinal));
    }

    [Fact]
    public void TesseractTsv_WordsBecomeLines_AndConfidenceIsTheWordMean()
    {
        string[] tsv =
        [
            "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
            "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t90\tSECRET//NOFORN",
            "5\t1\t1\t1\t2\t1\t10\t40\t50\t20\t80\tTroops",
            "5\t1\t1\t1\t2\t2\t70\t40\t50\t20\t70\tmoved",
            "5\t1\t2\t1\t1\t1\t10\t90\t50\t20\t-1\t ",
        ];

        var (text, confidence) = OcrSession.ParseTsv(tsv);

        Assert.Equal("SECRET//NOFORN\nTroops moved", text);
        Assert.Equal(0.8, confidence!.Value, 3);
    }

    [Theory]
    [InlineData("Korean", "kor", "kor")]
    [InlineData("Hangul", "kor", "kor")]
    [InlineData("Latin", "kor", "kor+eng")]
    [InlineData(null, "kor", "kor+eng")] // OSD found too little text to name a script
    [InlineData("Korean", null, "kor+eng")] // the switch turned off (Documents:Worker:OcrKoreanLanguages empty)
    public void PageLanguages_KoreanScriptIsReadWithTheKoreanLanguages_EveryOtherPageWithTheDefault(string? script, string? korean, string expected)
    {
        var limits = ParserLimits.Default with { OcrLanguages = "kor+eng", OcrKoreanLanguages = korean };

        Assert.Equal(expected, OcrSession.LanguagesFor(script, limits));
    }

    [Fact]
    public void KoreanStatutePage_IsFoundKoreanByOsd_AndReadWhole()
    {
        ScanFiles.RequireTesseract();
        const string Article = "제1조(목적) 이 법은 군사기밀을 보호하여 국가안전보장에 이바지함을 목적으로 한다.";
        var png = ScanFiles.Page([Article, "제2조(정의) 이 법에서 사용하는 용어의 뜻은 다음과 같다."], pointSize: 48, size: "2480x900");

        var parsed = DocumentParsing.Parse(File.ReadAllBytes(png));

        var page = Assert.Single(parsed.Pages);
        output.WriteLine(page.Text);
        Assert.Equal(PageSource.Ocr, page.Source);
        Assert.Contains("군사기밀을 보호하여", page.Text, StringComparison.Ordinal);
        Assert.Contains("국가안전보장에", page.Text, StringComparison.Ordinal);
    }

    private sealed class SynchronousProgress(Action<ParseProgress> report) : IProgress<ParseProgress>
    {
        public void Report(ParseProgress value) => report(value);
    }
}
