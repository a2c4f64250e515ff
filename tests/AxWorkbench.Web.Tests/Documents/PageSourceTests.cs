using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Documents;

namespace AxWorkbench.Web.Tests.Documents;

/// <summary>The reader's per-page badge (text layer, OCR with its confidence, pdftotext, not read) and the document's pages by source.</summary>
public sealed class PageSourceTests : WorkbenchTestContext
{
    private static DocumentRecord Scan() => new()
    {
        FileName = "scan.pdf",
        Sha256 = new string('0', 64),
        Marking = MarkingStorage.ToStorage(Marking.Unclassified),
        Uploader = "kim",
        Kind = "Pdf",
        PageCount = 5,
        Pages =
        [
            new DocumentPage { Number = 1, Text = "(U) Cover.", Source = PageSource.Text },
            new DocumentPage { Number = 2, Text = "(U) Scanned.", Source = PageSource.Ocr, Confidence = 0.91 },
            new DocumentPage { Number = 3, Text = "(U) Scanned badly.", Source = PageSource.Ocr, Confidence = 0.55 },
            new DocumentPage { Number = 4, Text = "(U) Poppler.", Source = PageSource.Pdftotext },
            new DocumentPage { Number = 5, Text = "", Source = PageSource.Unread },
        ],
    };

    [Fact]
    public void EachPage_HasABadgeSayingWhereItsTextCameFrom()
    {
        var cut = Render<DocumentPages>(p => p.Add(x => x.View, DocumentView.From(Scan())));

        var badges = cut.FindAll("[data-testid=page-source]");

        Assert.Equal(["text", "ocr", "ocr", "pdftotext", "unread"], badges.Select(b => b.GetAttribute("data-source")));
        Assert.Equal("Text layer", badges[0].TextContent.Trim());
        Assert.Equal("OCR 91%", badges[1].TextContent.Trim());
        Assert.Equal("OCR 55%", badges[2].TextContent.Trim());
        Assert.Contains("warning", badges[2].ClassName, StringComparison.Ordinal); // low confidence: check against the original
        Assert.Equal("pdftotext", badges[3].TextContent.Trim());
        Assert.Contains("not read", badges[4].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void DocumentView_GroupsPagesBySource_WithOcrsMeanConfidence()
    {
        var view = DocumentView.From(Scan());

        Assert.Equal([PageSource.Text, PageSource.Ocr, PageSource.Pdftotext, PageSource.Unread], view.Sources.Select(s => s.Source));
        var ocr = view.Sources[1];
        Assert.Equal("2-3", ocr.PageList());
        Assert.Equal(0.73, ocr.MeanConfidence!.Value, 3);
        Assert.Equal("1, 3-5, 7", new PageSourceGroup(PageSource.Text, [1, 3, 4, 5, 7], null).PageList());
    }
}
