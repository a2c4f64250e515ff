using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>Uploads of scans over a real SQLite file, the real worker and the real tesseract: OCR text is checked for markings like any text.</summary>
public sealed class ScanUploadTests(ITestOutputHelper output)
{
    private static readonly UserAuthorization SecretAnalyst = new(ClassificationLevel.Secret, new HashSet<string>(StringComparer.Ordinal) { "NOFORN" }, "USA");

    private static readonly string[] StampedBrief =
    [
        "SECRET//NOFORN",
        "",
        "The committee reported the border activity in the northern sector.",
        "Troops moved along the river at dawn and returned before noon.",
    ];

    // These tests are about stamps and OCR pages, not the worker's time limits (ParserWorkerTests and OcrTests own those):
    // the 8 s a file gets before its first page begins was overrun at a load average of ~30 (Core and Web suites side by
    // side), in the PDF's text probe before OCR started.
    private static readonly Dictionary<string, string?> Settings = new() { ["Documents:Worker:TimeoutSeconds"] = "60" };

    [Fact]
    public async Task StampedSecretScan_AboveTheDeclaredMarking_IsRefusedNamingPageAndStamp()
    {
        ScanFiles.RequireTesseract();
        var pdf = ScanFiles.ImageOnlyPdf(ScanFiles.Page(StampedBrief, pointSize: 60));
        await using var host = await DocumentsTestHost.StartAsync(Settings);

        var result = await host.Library.ImportAsync(File.OpenRead(pdf), "scan.pdf", new Marking(ClassificationLevel.Confidential), SecretAnalyst, "kim");

        output.WriteLine(result.Document.FailureReason);
        Assert.False(result.Succeeded);
        Assert.Equal(DocumentStatus.Failed, result.Document.Status);
        Assert.Contains("Page 1", result.Document.FailureReason, StringComparison.Ordinal);
        Assert.Contains("SECRET//NOFORN", result.Document.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampedSecretScan_DeclaredAtItsMarking_IsStoredWithSourceAndConfidencePerPage()
    {
        ScanFiles.RequireTesseract();
        var tiff = ScanFiles.Tiff(ScanFiles.Page(StampedBrief, pointSize: 60), ScanFiles.Page(StampedBrief, rotate: 180, pointSize: 60));
        await using var host = await DocumentsTestHost.StartAsync(Settings);

        var result = await host.Library.ImportAsync(File.OpenRead(tiff), "scan.tif", MarkingStorage.FromStorage("Secret|NOFORN|"), SecretAnalyst, "kim");

        Assert.True(result.Succeeded, result.Document.FailureReason);
        Assert.Equal("Tiff", result.Document.Kind);
        var stored = await host.Library.GetAsync(result.Document.Id, SecretAnalyst);
        Assert.Equal(2, stored!.Pages.Count);
        Assert.All(stored.Pages, p =>
        {
            output.WriteLine($"page {p.Number}: {p.Source} {p.Confidence:0.000}");
            Assert.Equal(PageSource.Ocr, p.Source);
            Assert.InRange(p.Confidence ?? 0, 0.75, 1.0);
            Assert.Contains("border activity", p.Text, StringComparison.Ordinal);
        });
        Assert.Equal(2, MarkingDetector.Detect(stored.Pages.Select(p => new ParsedPage(p.Number, p.Text))).Count(m => m.IsBanner));
    }
}
