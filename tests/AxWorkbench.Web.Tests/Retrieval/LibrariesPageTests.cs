using AxWorkbench.Core.Actors;
using System.Security.Claims;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Web.Retrieval;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Shell;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Retrieval;

/// <summary>The search page over the real retrieval service (SQLite file, Lucene index on disk; BM25 only).</summary>
public sealed class LibrariesPageTests : WorkbenchTestContext, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-web-tests", Guid.NewGuid().ToString("N"));
    private IHost _host = null!;
    private LibrarySummary _library = null!;
    private readonly Guid _missileBrief = Guid.NewGuid();

    async Task IAsyncLifetime.InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = _directory,
            ["Retrieval:Embedder"] = "None",
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddRetrieval();
        _host = builder.Build();
        await _host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await _host.StartAsync();
        var retrieval = _host.Services.GetRequiredService<RetrievalService>();
        var library = _library = await retrieval.CreateLibraryAsync("owner", "Border briefs", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        await retrieval.AddDocumentAsync(library.Id, new IndexedDocument(Guid.NewGuid(), 1, "Convoy log", new Marking(ClassificationLevel.Confidential),
            [new DocumentPage(1, "Cover page."), new DocumentPage(2, "The convoy crossed the bridge at dawn.")]), new WorkbenchActor("owner", "owner", [Roles.Analyst], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>())), default);
        await retrieval.AddDocumentAsync(library.Id, new IndexedDocument(_missileBrief, 1, "Missile brief", new Marking(ClassificationLevel.Secret),
            [new DocumentPage(1, "A convoy of missile launchers moved north.")]), new WorkbenchActor("owner", "owner", [Roles.Analyst], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>())), default);
        Services.AddSingleton(retrieval);
        Services.AddScoped<CurrentUser>();
    }

    private void SignIn(ClassificationLevel clearance) =>
        AddAuthorization().SetAuthorized("analyst").SetRoles(Roles.Analyst).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, "analyst-id"),
            new Claim(WorkbenchClaims.Unit, "1-BDE"),
            new Claim(WorkbenchClaims.Clearance, ((int)clearance).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task ConfidentialAnalyst_SeesOnlyTheConfidentialPassage_WithPageHighlightAndBanner()
    {
        SignIn(ClassificationLevel.Confidential);
        var cut = Render<LibrariesPage>();
        cut.WaitForElement("[data-testid=library]");

        SearchBox(cut).Input("convoy");
        await cut.Find("[data-testid=search-form]").SubmitAsync();

        var hit = cut.WaitForElement("[data-testid=search-hit]");
        Assert.Single(cut.FindAll("[data-testid=search-hit]"));
        Assert.Equal("Convoy log", hit.QuerySelector("[data-testid=hit-title]")!.TextContent);
        Assert.Equal("page 2", hit.QuerySelector("[data-testid=hit-page]")!.TextContent);
        Assert.Equal("(C)", hit.QuerySelector("[data-testid=hit-marking]")!.TextContent);
        Assert.Equal("convoy", hit.QuerySelector("mark")!.TextContent);
        Assert.Equal("1 of 1 matching passages", cut.Find("[data-testid=search-count]").TextContent);
        Assert.Equal(ClassificationLevel.Confidential, Services.GetRequiredService<BannerState>().Current.Level);
    }

    [Fact]
    public async Task Analyst_MakesALibraryForTheirOwnUnit_FromThePage()
    {
        SignIn(ClassificationLevel.Secret);
        var cut = Render<LibrariesPage>();
        cut.WaitForElement("[data-testid=library]");

        Assert.Contains("Your own unit (1-BDE)", cut.Find("[data-testid=library-create]").TextContent, StringComparison.Ordinal);
        var name = cut.Find("[data-testid=library-name]");
        (name.TagName == "INPUT" ? name : name.QuerySelector("input")!).Input("Analyst working set");
        await cut.Find("[data-testid=library-create-button]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=library]"), l => l.TextContent.Contains("Analyst working set", StringComparison.Ordinal)));
        var made = (await _host.Services.GetRequiredService<RetrievalService>().ListLibrariesAsync(
            new WorkbenchActor("analyst-id", "analyst", [Roles.Analyst], new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>()), "1-BDE"), default))
            .Single(l => l.Name == "Analyst working set");
        Assert.Equal("analyst-id", made.OwnerId);
        Assert.Equal(["1-BDE"], made.Units);
    }

    [Fact]
    public async Task SecretAnalyst_SeesBothPassages_AndTheBannerRises()
    {
        SignIn(ClassificationLevel.Secret);
        var cut = Render<LibrariesPage>();
        cut.WaitForElement("[data-testid=library]");

        SearchBox(cut).Input("convoy missile");
        await cut.Find("[data-testid=search-form]").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=search-hit]").Count));
        Assert.Equal("Missile brief", cut.FindAll("[data-testid=hit-title]")[0].TextContent);
        Assert.Equal(ClassificationLevel.Secret, Services.GetRequiredService<BannerState>().Current.Level);
    }

    [Fact]
    public async Task DocumentCount_Drops_WhenADocumentIsRemovedFromTheLibrary_WhileThePageIsOpen()
    {
        SignIn(ClassificationLevel.Secret);
        var cut = Render<LibrariesPage>();
        cut.WaitForAssertion(() => Assert.Contains("2 documents", cut.Find("[data-testid=library]").TextContent, StringComparison.Ordinal));

        await _host.Services.GetRequiredService<RetrievalService>().RemoveDocumentAsync(_library.Id, _missileBrief,
            new WorkbenchActor("owner", "owner", [Roles.Analyst], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>())), default);

        cut.WaitForAssertion(() => Assert.Contains("1 documents", cut.Find("[data-testid=library]").TextContent, StringComparison.Ordinal));
    }

    private static AngleSharp.Dom.IElement SearchBox(IRenderedComponent<LibrariesPage> cut)
    {
        var box = cut.Find("[data-testid=search-box]");
        return box.TagName == "INPUT" ? box : box.QuerySelector("input")!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }
}
