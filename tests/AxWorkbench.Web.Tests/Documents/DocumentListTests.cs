using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Documents;

namespace AxWorkbench.Web.Tests.Documents;

/// <summary>The documents list follows a long scan page by page while the parser worker reads it.</summary>
public sealed class DocumentListTests : WorkbenchTestContext
{
    private static DocumentRecord Parsing(string name) => new()
    {
        Id = Guid.NewGuid(),
        FileName = name,
        Sha256 = new string('0', 64),
        Marking = MarkingStorage.ToStorage(Marking.Unclassified),
        Uploader = "kim",
        Status = DocumentStatus.Parsing,
    };

    [Fact]
    public void ScanBeingRead_ShowsTheOcrPageItReached_OtherParsesShowTheyRunInTheBackground()
    {
        var scan = Parsing("scan.pdf");
        var text = Parsing("brief.docx");
        var progress = new Dictionary<Guid, ParseProgress> { [scan.Id] = new(3, 12, 3, PageSource.Ocr) };

        var cut = Render<DocumentList>(p => p
            .Add(x => x.Documents, [scan, text])
            .Add(x => x.ProgressOf, id => progress.TryGetValue(id, out var step) ? step : null));

        var rows = cut.FindAll("[data-testid=document-status]");
        Assert.Equal("OCR page 3 of 12", Assert.Single(rows[0].QuerySelectorAll("[data-testid=document-parse-progress]")).TextContent.Trim());
        Assert.Empty(rows[1].QuerySelectorAll("[data-testid=document-parse-progress]"));
        Assert.Contains("Parsing in the background", rows[1].TextContent, StringComparison.Ordinal);
    }
}
