using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Web.Retrieval;

namespace AxWorkbench.Web.Tests.Retrieval;

/// <summary>The Libraries page's list says how many of a library's documents are still indexing (vectors being computed by the embedding worker).</summary>
public sealed class LibraryListTests : WorkbenchTestContext
{
    [Fact]
    public void Library_WithADocumentStillIndexing_SaysSo_AndAReadyLibraryDoesNot()
    {
        IReadOnlyList<LibrarySummary> libraries =
        [
            new(Guid.NewGuid(), "Airfields", "owner", new Marking(ClassificationLevel.Secret), ["1-BDE"], 3, IndexingCount: 1),
            new(Guid.NewGuid(), "Harbors", "owner", new Marking(ClassificationLevel.Secret), ["1-BDE"], 2),
        ];

        var cut = Render<LibraryList>(p => p.Add(x => x.Libraries, libraries));

        var chips = cut.FindAll("[data-testid=library]");
        Assert.Equal(2, chips.Count);
        Assert.Contains("3 documents", chips[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("· 1 indexing", Assert.Single(chips[0].QuerySelectorAll("[data-testid=library-indexing]")).TextContent.Trim());
        Assert.Empty(chips[1].QuerySelectorAll("[data-testid=library-indexing]"));
    }
}
