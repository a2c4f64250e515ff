using System.Text.Json;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.E2E.Chat;
using AxWorkbench.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.FirstHour;

/// <summary>
/// An analyst's first hour on the default settings, as a new user meets it: a real CRS report (PDF) and a real Korean
/// government form (HWPX) uploaded and parsed, a BLUF summary, a library made from the Libraries page with both
/// added from the reader, a grounded question in English and one in Korean (each must complete with sources, not
/// fail), a citation followed to the highlighted passage, the session exported, and the supervisor opening it and
/// seeing the sources. One screenshot per step under TestResults/screenshots/firsthour-*.png.
/// </summary>
public sealed class FirstHourTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private const string CrsReport = "crs-reports/pdf/reports/R48903.3.pdf";
    private const string KoreanForm = "hwpx/pyhwpx__m2_corpus__form_002.hwpx";
    private const string Unit = "1st Intelligence Battalion";

    private readonly List<Guid> _uploads = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _step;

    private ChatPageModel Chat => new(Page);

    [Fact]
    public async Task FirstHour_UploadSummarizeLibraryAskInEnglishAndKorean_FollowCitation_Export_SupervisorSeesSources()
    {
        var report = SharedCorpora.Find(CrsReport);
        var form = SharedCorpora.Find(KoreanForm);
        if (report is null || form is null)
        {
            Output.WriteLine("SKIPPED FirstHour_…: ../shared/corpora is absent next to the repository, so the journey over real files was not run.");
            Console.WriteLine("FirstHour journey SKIPPED: corpus ../shared/corpora is absent.");
            return;
        }

        var run = Guid.NewGuid().ToString("N")[..8];
        var library = $"First hour {run}";
        try
        {
            await JourneyAsync(report, form, library);
        }
        finally
        {
            await RemoveUploadsAsync();
        }
    }

    private async Task JourneyAsync(string reportFile, string formFile, string library)
    {
        // 1. The analyst signs in and uploads the two real files; both parse in the background.
        await LogInAsync("analyst");
        var report = await UploadAsync(reportFile, "application/pdf");
        var form = await UploadAsync(formFile, "application/octet-stream");
        await ShotAsync("uploaded-and-parsed");

        // 2. The report in the reader: its key sentences are whole sentences (none cut at "U.S."), then a BLUF summary.
        await OpenReaderAsync(report);
        var keySentences = Page.GetByTestId("key-sentences");
        await Expect(keySentences).ToContainTextAsync("[p. ");
        Assert.DoesNotMatch(new Regex(@"\bU\.\s*$|\bU\.\s*\[p\.", RegexOptions.Multiline), await keySentences.InnerTextAsync());
        await Page.GetByTestId("summary-run").ClickAsync();
        var summary = Page.GetByTestId("summary").First;
        await Expect(summary).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 600_000 });
        await Expect(summary).ToContainTextAsync(UiText.En("SummariesModeBluf"));
        await Expect(summary.GetByTestId("summary-citation").First).ToHaveTextAsync(new Regex(@"^\[pp?\. \d+(-\d+)?\]$"));
        await ShotAsync("bluf-summary", summary);

        // 3. A library made on the Libraries page, and both documents added to it from the reader.
        await Page.GotoAsync("/libraries");
        await Shell.WaitUntilInteractiveAsync();
        await Page.Locator("[data-testid=library-name] input, input[data-testid=library-name]").FillAsync(library);
        await Page.Locator("[data-testid=library-units] input, input[data-testid=library-units]").FillAsync(Unit);
        await Page.GetByTestId("library-create-button").ClickAsync();
        await Expect(Page.GetByTestId("library").Filter(new() { HasText = library })).ToHaveCountAsync(1);
        await ShotAsync("library-created");
        foreach (var document in new[] { report, form })
        {
            await OpenReaderAsync(document);
            await Page.GetByTestId("add-to-library-select").ClickAsync();
            await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
            await Page.GetByTestId("add-to-library-button").ClickAsync();
            await Expect(Page.GetByTestId("add-to-library-result")).ToContainTextAsync(library, new() { Timeout = 120_000 });
        }
        await ShotAsync("both-added");

        // 4. Grounded questions on the default settings (no lowered max tokens): each completes with sources.
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        var sessionId = await Chat.CreateSessionAsync();
        await PickLibraryAsync(library);
        await AskAsync("What did the report say about shipping through the Strait of Hormuz?");
        await Expect(Chat.LastAnswer.Locator($"[data-testid=answer-source][data-document-id='{report}']").First).ToBeVisibleAsync();
        await ShotAsync("grounded-english", Chat.LastAnswer.GetByTestId("answer-sources"));
        await AskAsync("나노산소운반체는 항암치료에서 어떤 역할을 하나요?");
        await Expect(Chat.LastAnswer.Locator($"[data-testid=answer-source][data-document-id='{form}']").First).ToBeVisibleAsync();
        await ShotAsync("grounded-korean", Chat.LastAnswer.GetByTestId("answer-sources"));

        // 5. A source link opens the reader at its page with the passage highlighted.
        await Chat.LastAnswer.GetByTestId("citation-link").First.ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex(@"/documents/[0-9a-f-]{36}\?page=\d+&highlight="));
        await Expect(Page.GetByTestId("reader-highlight").First).ToBeVisibleAsync();
        Assert.False(string.IsNullOrWhiteSpace(await Page.GetByTestId("reader-highlight").First.TextContentAsync()));
        await ShotAsync("citation-highlighted", Page.GetByTestId("reader-highlight").First);

        // 6. The export carries the sources of both grounded answers.
        var markdown = await (await Page.APIRequest.GetAsync($"/chat/export/{sessionId}.md")).TextAsync();
        Assert.Contains("R48903", markdown, StringComparison.Ordinal);
        Assert.Contains("form_002", markdown, StringComparison.Ordinal);
        var json = JsonDocument.Parse(await (await Page.APIRequest.GetAsync($"/chat/export/{sessionId}.json")).TextAsync());
        Assert.Contains("R48903", json.RootElement.GetRawText(), StringComparison.Ordinal);
        await Page.GotoAsync("/");
        await Shell.WaitUntilInteractiveAsync();
        await ReplacingDocumentAsync(() => Shell.Logout.ClickAsync());

        // 7. The supervisor opens the session and sees each grounded answer's sources and links.
        await LogInAsync("supervisor");
        await Page.GotoAsync($"/review/{sessionId}");
        await Expect(Page.GetByTestId("review-transcript")).ToBeVisibleAsync();
        var evidence = Page.GetByTestId("review-evidence");
        await Expect(evidence).ToHaveCountAsync(2);
        await Expect(evidence.Nth(0).GetByTestId("review-source").First).ToContainTextAsync("R48903");
        await Expect(evidence.Nth(1).GetByTestId("review-source").First).ToContainTextAsync("form_002");
        await Expect(Page.GetByTestId("review-failure")).ToHaveCountAsync(0);
        await ShotAsync("supervisor-sees-sources", evidence.Nth(1));
    }

    /// <summary>Uploads one file at UNCLASSIFIED and waits until the worker has parsed it; returns its id.</summary>
    private async Task<Guid> UploadAsync(string path, string mimeType)
    {
        await Page.GotoAsync("/documents");
        await Shell.WaitUntilInteractiveAsync();
        await Page.GetByTestId("upload-marking").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "UNCLASSIFIED" }).First.ClickAsync();
        await Expect(Page.Locator("input[type=file]")).ToBeEnabledAsync();
        var name = Path.GetFileName(path);
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = mimeType, Buffer = await File.ReadAllBytesAsync(path) });
        var row = Page.GetByTestId("document-list").Locator("tr", new() { HasText = name }).First;
        await Expect(row.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusReady"), new() { Timeout = 120_000 });
        var href = await row.GetByRole(AriaRole.Link, new() { Name = name }).GetAttributeAsync("href");
        var id = Guid.Parse(href!.Split('/')[^1]);
        _uploads.Add(id);
        return id;
    }

    private async Task OpenReaderAsync(Guid document)
    {
        await Page.GotoAsync($"/documents/{document}");
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Page.GetByTestId("reader-page").First).ToBeVisibleAsync();
    }

    private async Task PickLibraryAsync(string library)
    {
        await Page.GetByTestId("chat-libraries").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
        await Expect(Page.GetByTestId("chat-libraries")).ToHaveValueAsync(library);
        await Page.Keyboard.PressAsync("Escape");
        await Expect(Page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    /// <summary>Sends a question and waits until its answer has finished: it must complete (not fail) and list sources.</summary>
    private async Task AskAsync(string question)
    {
        await Chat.SendAsync(question);
        await Expect(Chat.LastAnswer).Not.ToHaveAttributeAsync("data-status", "generating", new() { Timeout = 300_000 });
        var status = await Chat.LastAnswer.GetAttributeAsync("data-status");
        Assert.True(status == "complete", $"The grounded answer ended '{status}': {await Chat.LastAnswer.InnerTextAsync()}");
        await Expect(Chat.LastAnswer.GetByTestId("answer-source").First).ToBeVisibleAsync();
    }

    /// <summary>A screenshot of what the user sees, scrolled to the part this step is about.</summary>
    private async Task ShotAsync(string name, ILocator? focus = null)
    {
        if (focus is not null)
        {
            await focus.ScrollIntoViewIfNeededAsync();
        }
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"firsthour-{++_step:00}-{name}.png");
        await Page.ScreenshotAsync(new() { Path = file });
        Output.WriteLine($"step {_step} at {_clock.Elapsed.TotalSeconds:F0} s: {name} → {file}");
    }

    private async Task RemoveUploadsAsync()
    {
        // The app is shared by the collection: later tests expect the documents they made and nothing of this journey.
        var everything = new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>(), "USA");
        var e2e = new WorkbenchActor("e2e", "e2e", [Roles.Admin], everything);
        var retrieval = Fixture.App.Services.GetRequiredService<RetrievalService>();
        foreach (var library in await retrieval.ListLibrariesAsync(e2e, CancellationToken.None))
        {
            foreach (var id in _uploads)
            {
                await retrieval.RemoveDocumentAsync(library.Id, id, e2e, CancellationToken.None);
            }
        }
        foreach (var id in _uploads)
        {
            await Fixture.App.Services.GetRequiredService<DocumentLibrary>().DeleteAsync(id, everything, "e2e", isAdministrator: true, e2e, CancellationToken.None);
        }
    }
}
