using AxWorkbench.Core.Actors;
using System.Text;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.E2E.Chat;
using AxWorkbench.E2E.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Rag;

/// <summary>
/// Two briefs of different markings uploaded and added to a library through the reader; an analyst cleared only for
/// CONFIDENTIAL asks over the library and is given only the CONFIDENTIAL brief, a SECRET analyst gets both and the
/// banner rises; a citation opens the reader with the passage highlighted.
/// </summary>
public sealed class GroundedChatTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private const string Unit = "1st Intelligence Battalion";

    private ChatPageModel Chat => new(Page);

    [Fact]
    public async Task AnalystWithoutSecret_SeesOnlyTheConfidentialBriefCited_ClearedAnalystSeesBoth_CitationOpensHighlightedPassage()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var libraryName = $"Harbor {run}";
        var lowAnalyst = $"conf-{run}";
        Guid libraryId;
        await using (var scope = Fixture.App.Services.CreateAsyncScope())
        {
            var owner = await scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync("analyst");
            libraryId = (await scope.ServiceProvider.GetRequiredService<RetrievalService>().CreateLibraryAsync(owner!.Id, libraryName, new Marking(ClassificationLevel.Secret), [Unit], CancellationToken.None)).Id;
            await scope.ServiceProvider.GetRequiredService<UserAdministration>().AddAsync(lowAnalyst, WorkbenchAppFactory.DemoPassword, [Roles.Analyst], "CONFIDENTIAL", Unit, lowAnalyst);
        }

        try
        {
            await RunAsync(libraryName, lowAnalyst, run);
        }
        finally
        {
            // The app is shared by the collection: other tests expect the documents page to hold nothing above UNCLASSIFIED.
            await RemoveUploadsAsync(libraryId);
        }
    }

    private readonly List<Guid> _uploads = [];

    private async Task RemoveUploadsAsync(Guid libraryId)
    {
        var everything = new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>(), "USA");
        var e2e = new AxWorkbench.Core.Actors.WorkbenchActor("e2e", "e2e", [AxWorkbench.Core.Actors.Roles.Admin], everything);
        foreach (var id in _uploads)
        {
            await Fixture.App.Services.GetRequiredService<RetrievalService>().RemoveDocumentAsync(libraryId, id, e2e, CancellationToken.None);
            await Fixture.App.Services.GetRequiredService<DocumentLibrary>().DeleteAsync(id, everything, "e2e", isAdministrator: true, e2e, CancellationToken.None);
        }
    }

    private async Task RunAsync(string libraryName, string lowAnalyst, string run)
    {

        // The library's owner (SECRET//NOFORN) uploads both briefs and adds them to the library from the reader.
        await LogInAsync("analyst");
        var low = await UploadAndAddAsync($"harbor-low-{run}.txt", "CONFIDENTIAL", libraryName,
            $"(C) The northern harbor convoy {run} moves fuel barges every Tuesday at dawn.");
        var high = await UploadAndAddAsync($"harbor-high-{run}.txt", "SECRET", libraryName,
            $"(S) The northern harbor convoy {run} is escorted by two submarines codenamed GREYWATER.");
        await ReplacingDocumentAsync(() => Shell.Logout.ClickAsync());

        // CONFIDENTIAL analyst: only the CONFIDENTIAL brief is a source; the banner stays CONFIDENTIAL.
        await LogInAsync(lowAnalyst);
        await AskAsync(libraryName, $"When does the northern harbor convoy {run} move, and who escorts it?");
        var sources = Chat.LastAnswer.GetByTestId("answer-source");
        await Expect(sources.First).ToBeVisibleAsync();
        await Expect(sources.And(Page.Locator($"[data-document-id='{high}']"))).ToHaveCountAsync(0);
        await Expect(Chat.LastAnswer.Locator($"[data-testid=answer-source][data-document-id='{low}']")).ToHaveCountAsync(1);
        await Expect(Chat.LastAnswer.GetByTestId("portion-mark")).ToHaveTextAsync("(C)");
        await Expect(Shell.BannerTop).ToHaveTextAsync("CONFIDENTIAL");
        await Expect(Page.Locator("body")).Not.ToContainTextAsync("GREYWATER");

        // The citation opens the reader at the page with the passage highlighted.
        await Chat.LastAnswer.GetByTestId("citation-link").First.ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/documents/{low}\\?page=1&highlight="));
        await Expect(Page.GetByTestId("reader-highlight").First).ToContainTextAsync("fuel barges every Tuesday at dawn");
        await ReplacingDocumentAsync(() => Shell.Logout.ClickAsync());

        // SECRET analyst: both briefs are sources and the banner rises to SECRET.
        await LogInAsync("analyst");
        await AskAsync(libraryName, $"When does the northern harbor convoy {run} move, and who escorts it?");
        await Expect(Chat.LastAnswer.Locator($"[data-testid=answer-source][data-document-id='{high}']")).ToHaveCountAsync(1);
        await Expect(Chat.LastAnswer.Locator($"[data-testid=answer-source][data-document-id='{low}']")).ToHaveCountAsync(1);
        await Expect(Chat.LastAnswer.GetByTestId("portion-mark")).ToHaveTextAsync("(S)");
        await Expect(Shell.BannerTop).ToHaveTextAsync("SECRET");
    }

    /// <summary>Uploads a text brief, opens it in the reader, adds it to the library; returns the document id.</summary>
    private async Task<Guid> UploadAndAddAsync(string name, string level, string library, string text)
    {
        await Page.GotoAsync("/documents");
        await Shell.WaitUntilInteractiveAsync();
        await Page.GetByTestId("upload-marking").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = level }).First.ClickAsync();
        await Expect(Page.Locator("input[type=file]")).ToBeEnabledAsync();
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes(text + "\n") });
        var row = Page.GetByTestId("document-list").Locator("tr", new() { HasText = name });
        await Expect(row.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusReady"), new() { Timeout = 30_000 });
        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/documents/[0-9a-f-]{36}$"));
        await Shell.WaitUntilInteractiveAsync();
        await Page.GetByTestId("add-to-library-select").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
        await Page.GetByTestId("add-to-library-button").ClickAsync();
        await Expect(Page.GetByTestId("add-to-library-result")).ToContainTextAsync(library);
        var id = Guid.Parse(new Uri(Page.Url).AbsolutePath.Split('/')[^1]);
        _uploads.Add(id);
        return id;
    }

    /// <summary>A new session with the library picked; the question is sent and its answer has finished.</summary>
    private async Task AskAsync(string library, string question)
    {
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        await Chat.CreateSessionAsync();
        await Page.GetByTestId("chat-libraries").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
        // The pick has reached the server (the select shows it) before the list is closed.
        await Expect(Page.GetByTestId("chat-libraries")).ToHaveValueAsync(library);
        await Page.Keyboard.PressAsync("Escape");
        await Expect(Page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await Chat.SetMaxTokensAsync(8);
        await Chat.SendAsync(question);
        await Expect(Chat.LastAnswer).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 60_000 });
    }
}
