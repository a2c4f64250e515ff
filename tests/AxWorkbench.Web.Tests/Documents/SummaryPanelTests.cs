using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Web.Documents;

namespace AxWorkbench.Web.Tests.Documents;

/// <summary>The summary panel, its text with page-citation chips, and the list's background-parsing row (rendering only).</summary>
public sealed class SummaryPanelTests : WorkbenchTestContext
{
    private static readonly Guid DocumentId = Guid.NewGuid();

    private static SummaryRecord Summary(SummaryStatus status, string? text = null) => new()
    {
        Id = Guid.NewGuid(),
        DocumentId = DocumentId,
        Mode = SummaryMode.Bluf,
        Status = status,
        Marking = "Unclassified||",
        RequestedBy = "kim",
        Text = text,
        ChunksDone = status == SummaryStatus.Completed ? 3 : 0,
        ChunksTotal = status == SummaryStatus.Completed ? 3 : 0,
        StartedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void RunningSummary_ShowsLiveProgressAndCancel_AndRaisesCancel()
    {
        var running = Summary(SummaryStatus.Running);
        Guid? cancelled = null;
        var panel = Render<SummaryPanel>(p => p
            .Add(x => x.DocumentId, DocumentId)
            .Add(x => x.Summaries, [running])
            .Add(x => x.Live, new Dictionary<Guid, SummaryJobUpdate> { [running.Id] = new(running.Id, DocumentId, SummaryStatus.Running, 2, 8, null) })
            .Add(x => x.OnCancel, id => cancelled = id));

        Assert.Equal("2 of 8 steps", panel.Find("[data-testid=summary-steps]").TextContent.Trim());
        Assert.Contains("aria-valuenow=\"25\"", panel.Find("[data-testid=summary-progress]").OuterHtml, StringComparison.Ordinal);
        panel.Find("[data-testid=summary-cancel]").Click();
        Assert.Equal(running.Id, cancelled);
    }

    [Fact]
    public void CompletedSummary_RendersMarkupAsText_AndCitationsAsLinksToPages()
    {
        var done = Summary(SummaryStatus.Completed, "Bottom line: <script>alert(1)</script> fuel is short [p. 2].\n\nDepots 3 to 5 report losses [pp. 3-5].");
        var panel = Render<SummaryPanel>(p => p.Add(x => x.DocumentId, DocumentId).Add(x => x.Summaries, [done]));

        Assert.Empty(panel.FindAll("script"));
        Assert.Contains("<script>alert(1)</script>", panel.Find("[data-testid=summary-text]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, panel.FindAll("[data-testid=summary-paragraph]").Count);
        var citations = panel.FindAll("[data-testid=summary-citation]");
        Assert.Equal(["[p. 2]", "[pp. 3-5]"], citations.Select(c => c.TextContent.Trim()));
        Assert.EndsWith($"documents/{DocumentId}#page-3", citations[1].GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void InterruptedSummary_OffersResume()
    {
        var interrupted = Summary(SummaryStatus.Interrupted);
        Guid? resumed = null;
        var panel = Render<SummaryPanel>(p => p.Add(x => x.DocumentId, DocumentId).Add(x => x.Summaries, [interrupted]).Add(x => x.OnResume, id => resumed = id));
        panel.Find("[data-testid=summary-resume]").Click();
        Assert.Equal(interrupted.Id, resumed);
    }

    [Fact]
    public void ParsingDocument_ShowsBackgroundProgress_AndDeleteOnlyWhereAllowed()
    {
        DocumentRecord Doc(string uploader, DocumentStatus status) => new()
        {
            Id = Guid.NewGuid(), FileName = $"{uploader}.pdf", Sha256 = new string('0', 64), Marking = "Unclassified||", Uploader = uploader, Status = status,
        };
        var list = Render<DocumentList>(p => p
            .Add(x => x.Documents, [Doc("kim", DocumentStatus.Parsing), Doc("lee", DocumentStatus.Ready)])
            .Add(x => x.CanDelete, d => d.Uploader == "kim"));

        Assert.Single(list.FindAll("[data-testid=document-parsing]"));
        Assert.Single(list.FindAll("[data-testid=document-delete]"));
    }
}
