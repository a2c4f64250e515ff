using System.Security.Claims;
using System.Text;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Web.Documents;
using AxWorkbench.Web.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Documents;

/// <summary>The reader over the real document library (SQLite file, the parser worker) and the real library indexing (BM25 only).</summary>
public sealed class DocumentReaderTests : WorkbenchTestContext, IAsyncLifetime
{
    private const string Passage = "Two convoys move to the bridge before dawn.";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-reader-tests", Guid.NewGuid().ToString("N"));
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private IHost _host = null!;
    private Guid _documentId;

    async Task IAsyncLifetime.InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = _directory,
            ["Retrieval:Embedder"] = "None",
            ["Inference:FixtureDirectory"] = Path.Combine(_directory, "models"),
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddDocuments();
        builder.AddInference();
        builder.AddDocumentJobs();
        builder.AddRetrieval();
        _host = builder.Build();
        await _host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await _host.Services.GetRequiredService<RetrievalIndexHost>().StartAsync(default);

        var clearance = new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>());
        var text = $"# Exercise Harbor Lantern\n\n(U) The exercise starts Monday at the northern harbor.\n\n(C) {Passage}\n";
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var imported = await _host.Services.GetRequiredService<DocumentLibrary>()
            .ImportAsync(file, "lantern.md", new Marking(ClassificationLevel.Confidential), clearance, "analyst");
        Assert.True(imported.Succeeded, imported.Document.FailureReason);
        _documentId = imported.Document.Id;
        await _host.Services.GetRequiredService<RetrievalService>()
            .CreateLibraryAsync("analyst-id", "Harbor", new Marking(ClassificationLevel.Secret), ["1-BDE"], default);

        foreach (var service in new[] { typeof(DocumentLibrary), typeof(DocumentJobs), typeof(LibraryIndexing), typeof(IModelStatus), typeof(IAuditActorSource) })
        {
            Services.AddSingleton(service, _host.Services.GetRequiredService(service));
        }
        Services.AddScoped<CurrentUser>();
        AddAuthorization().SetAuthorized("analyst").SetRoles(Roles.Analyst).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, "analyst-id"),
            new Claim(WorkbenchClaims.Unit, "1-BDE"),
            new Claim(WorkbenchClaims.Clearance, ((int)ClassificationLevel.Secret).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private IRenderedComponent<DocumentReader> RenderReader()
    {
        var cut = Render<DocumentReader>(p => p.Add(x => x.Id, _documentId));
        cut.WaitForElement("[data-testid=reader-page]", Wait);
        return cut;
    }

    [Fact]
    public void Reader_ShowsEachParagraphsPortionMark_KeySentences_AndTheDocumentsBanner()
    {
        var cut = RenderReader();

        var marks = cut.FindAll("[data-testid=portion-mark]").Select(m => m.TextContent).ToList();
        Assert.Contains("(U)", marks);
        Assert.Contains("(C)", marks);
        Assert.Equal("lantern.md", cut.Find("[data-testid=page-title]").TextContent);
        Assert.NotEmpty(cut.Find("[data-testid=key-sentences]").QuerySelectorAll("p, .mud-typography-body2"));
        Assert.Equal(ClassificationLevel.Confidential, Services.GetRequiredService<AxWorkbench.Web.Shell.BannerState>().Current.Level);
        Assert.Empty(cut.FindAll("[data-testid=reader-highlight]"));
    }

    [Fact]
    public void CitationIntoTheSameDocument_MovesTheHighlight_WithoutAnalysingTheDocumentAgain()
    {
        var cut = RenderReader();
        var analysed = cut.Instance.View;

        Services.GetRequiredService<NavigationManager>()
            .NavigateTo($"documents/{_documentId}?page=1&highlight={Uri.EscapeDataString(Passage)}");

        cut.WaitForAssertion(() => Assert.Equal(Passage, cut.Find("[data-testid=reader-highlight]").TextContent), Wait);
        Assert.NotNull(analysed);
        Assert.Same(analysed, cut.Instance.View);
    }

    [Fact]
    public void AddToLibrary_ThePageAddsTheDocument_AndShowsTheOutcome()
    {
        var cut = RenderReader();

        cut.WaitForElement("[data-testid=add-to-library-button]", Wait).Click();

        cut.WaitForAssertion(() => Assert.Equal("Added to library 'Harbor': indexing. Keyword search finds it now; search by meaning once the Libraries page shows it ready.", cut.Find("[data-testid=add-to-library-result]").TextContent.Trim()), Wait);
    }

    [Fact]
    public void AddToLibrary_RendersTargets_AndRaisesTheOnlyOne()
    {
        var target = new LibrarySummary(Guid.NewGuid(), "Harbor", "analyst-id", Marking.Unclassified, ["1-BDE"], 0);
        Guid? raised = null;
        var cut = Render<AddToLibrary>(p => p.Add(x => x.Targets, [target]).Add(x => x.OnAdd, id => raised = id));
        var none = Render<AddToLibrary>(p => p.Add(x => x.Targets, []));

        cut.Find("[data-testid=add-to-library-button]").Click();

        Assert.Equal(target.Id, raised);
        Assert.Equal("You own no library to add documents to.", none.Find("[data-testid=add-to-library-none]").TextContent);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A worker may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }
}
