using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AxWorkbench.Core.Tests.Documents;
using AxWorkbench.Web.Cli;
using Xunit.Abstractions;

namespace AxWorkbench.Web.Tests.Cli;

/// <summary>
/// `documents extract` through the real parser worker (and the real tesseract for scans): a text PDF, a scan the test
/// makes, and files PdfPig cannot read (pdf.js's, from ../shared/corpora, SKIPPED by name when absent). Nothing is stored.
/// </summary>
public sealed class DocumentsCommandsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "axwb-extract-tests", Guid.NewGuid().ToString("N"))).FullName;

    // A data folder that must stay empty: extract stores nothing.
    private Dictionary<string, string?> Settings => new() { ["Data:DataDirectory"] = Path.Combine(_directory, "data"), ["Markings:Scheme"] = "Us" };

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, stdout, stderr, Settings);
        output.WriteLine($"exit {exit}\n{stdout}\n{stderr}");
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Extract_TextPdf_PrintsEachPageWithItsSource_AndStoresNothing()
    {
        var pdf = Path.Combine(_directory, "brief.pdf");
        await File.WriteAllBytesAsync(pdf, TextPdf("(U) Logistics overview for the river crossing exercise."));

        var text = await RunAsync("documents", "extract", pdf);
        var json = await RunAsync("documents", "extract", pdf, "--json");

        Assert.Equal(0, text.Exit);
        Assert.Contains("brief.pdf: Pdf, 1 pages", text.Output, StringComparison.Ordinal);
        Assert.Contains("--- page 1 (text)", text.Output, StringComparison.Ordinal);
        Assert.Contains("river crossing exercise", text.Output, StringComparison.Ordinal);
        Assert.Equal(0, json.Exit);
        using var document = JsonDocument.Parse(json.Output);
        var page = Assert.Single(document.RootElement.GetProperty("pages").EnumerateArray());
        Assert.Equal(1, page.GetProperty("number").GetInt32());
        Assert.Equal("text", page.GetProperty("source").GetString());
        Assert.False(page.TryGetProperty("confidence", out _));
        Assert.Contains("river crossing exercise", page.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(document.RootElement.TryGetProperty("keySentences", out _));
        Assert.False(Directory.Exists(Path.Combine(_directory, "data")), "extract wrote to the data folder");
    }

    [Fact]
    public async Task Extract_Scan_Json_HasOcrSourceConfidence_AndKeySentencesWithPages()
    {
        var scan = ScanFiles.ImageOnlyPdf(ScanFiles.Page([
            "The committee reported the border activity in the northern sector.",
            "Troops moved along the river at dawn and returned before noon.",
            "제1조(목적) 이 법은 군사기밀을 보호하기 위하여 필요한 사항을 규정한다."]));

        var result = await RunAsync("documents", "extract", scan, "--json", "--key-sentences");

        Assert.Equal(0, result.Exit);
        using var document = JsonDocument.Parse(result.Output);
        var page = Assert.Single(document.RootElement.GetProperty("pages").EnumerateArray());
        Assert.Equal("ocr", page.GetProperty("source").GetString());
        Assert.InRange(page.GetProperty("confidence").GetDouble(), 0.75, 1.0);
        Assert.Contains("border activity in the northern sector", page.GetProperty("text").GetString(), StringComparison.Ordinal);
        var sentences = document.RootElement.GetProperty("keySentences").EnumerateArray().ToList();
        Assert.NotEmpty(sentences);
        Assert.All(sentences, s => Assert.Equal(1, s.GetProperty("page").GetInt32()));
        Assert.Contains(sentences, s => s.GetProperty("text").GetString()!.Contains("border activity", StringComparison.Ordinal));
        Assert.Contains("page 1: OCR (1 of 1)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_PageThePdfParserCannotRead_IsReadByPdftotext_AndSaysSo()
    {
        // An invalid colour space array in the page's resources (as pdf.js's issue6081.pdf): PdfPig refuses the page, poppler reads it.
        var pdf = Path.Combine(_directory, "bad-colorspace.pdf");
        await File.WriteAllBytesAsync(pdf, TextPdf("Poppler reads this page of the river crossing plan.", "/ColorSpace << /CS0 [ 7 0 ] >>"));

        var result = await RunAsync("documents", "extract", pdf, "--json");

        Assert.Equal(0, result.Exit);
        using var document = JsonDocument.Parse(result.Output);
        var page = Assert.Single(document.RootElement.GetProperty("pages").EnumerateArray());
        Assert.Equal("pdftotext", page.GetProperty("source").GetString());
        Assert.Contains("river crossing plan", page.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(document.RootElement.GetProperty("warnings").EnumerateArray(),
            w => w.GetString()!.Contains("Page 1 was read by poppler's pdftotext", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("clippath.pdf")]
    [InlineData("issue13147.pdf")]
    [InlineData("issue18894.pdf")]
    public async Task Extract_PdfPigCannotRead_IsReadByPdftotext(string name)
    {
        var path = Path.Combine(CorporaRoot(), "pdfjs-test-pdfs", "pdfs", name);
        if (!File.Exists(path))
        {
            var message = $"SKIPPED {nameof(Extract_PdfPigCannotRead_IsReadByPdftotext)}({name}): '{path}' is absent, so this case checked nothing (set AXWB_CORPORA to run it).";
            output.WriteLine(message);
            await Console.Error.WriteLineAsync(message);
            return;
        }

        var result = await RunAsync("documents", "extract", path, "--json");

        Assert.Equal(0, result.Exit);
        using var document = JsonDocument.Parse(result.Output);
        var pages = document.RootElement.GetProperty("pages").EnumerateArray().ToList();
        Assert.Contains(pages, p => p.GetProperty("source").GetString() == "pdftotext" && p.GetProperty("text").GetString()!.Trim().Length > 0);
    }

    [Fact]
    public async Task Extract_MissingOrRefusedFile_ExitsOneWithTheReason()
    {
        var program = Path.Combine(_directory, "report.pdf");
        await File.WriteAllBytesAsync(program, [(byte)'M', (byte)'Z', .. new byte[512]]);

        var missing = await RunAsync("documents", "extract", Path.Combine(_directory, "nope.pdf"));
        var refused = await RunAsync("documents", "extract", program, "--json");

        Assert.Equal(1, missing.Exit);
        Assert.Contains("there is no file", missing.Error, StringComparison.Ordinal);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("refused (UnknownFormat): The file is a Windows program", refused.Error, StringComparison.Ordinal);
        Assert.Equal("", refused.Output);
    }

    // A one-page PDF with the lines in Helvetica (a real text layer).
    private static byte[] TextPdf(string line, string extraResources = "")
    {
        var content = $"BT /F1 12 Tf 72 720 Td ({line.Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal)}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> " + extraResources + " >> /Contents 4 0 R >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }
        pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(pdf.ToString());
    }

    private static string CorporaRoot()
    {
        if (Environment.GetEnvironmentVariable("AXWB_CORPORA") is { Length: > 0 } configured)
        {
            return configured;
        }
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AxWorkbench.sln")))
        {
            directory = directory.Parent;
        }
        return Path.GetFullPath(Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "..", "shared", "corpora"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS later.
        }
    }
}
