using System.Text.RegularExpressions;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Documents;
using AxWorkbench.E2E.Chat;
using AxWorkbench.E2E.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Documents;

/// <summary>
/// A scan from upload to a grounded answer: an image-only PDF made by the test (ImageMagick renders the page, img2pdf
/// wraps it, no text layer) is uploaded, read by OCR in the worker, shown in the reader with its OCR badge, added to a
/// library from the reader, and a grounded question over the library is answered with that page as a source that says OCR.
/// </summary>
public sealed class ScanJourneyTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private const string Unit = "1st Intelligence Battalion";

    private readonly List<Guid> _uploads = [];

    private ChatPageModel Chat => new(Page);

    [Fact]
    public async Task ScannedPdf_ReaderShowsOcrBadge_AddedToLibrary_GroundedAnswersSourceSaysOcr()
    {
        ScanFiles.RequireTesseract();
        var run = Guid.NewGuid().ToString("N")[..6];
        var pdf = ScanFiles.ImageOnlyPdf(ScanFiles.Page(
            ["Harbor traffic report", "", $"The tanker Meridian{run} ran aground near the north lighthouse.", "Pilots closed the east channel until the tide turned."],
            pointSize: 60, size: "2480x900")); // the top of a page: OCR time stays small on a busy machine
        var libraryName = $"Scans {run}";
        Guid libraryId;
        await using (var scope = Fixture.App.Services.CreateAsyncScope())
        {
            var owner = await scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync("analyst");
            libraryId = (await scope.ServiceProvider.GetRequiredService<RetrievalService>()
                .CreateLibraryAsync(owner!.Id, libraryName, new Marking(ClassificationLevel.Secret), [Unit], CancellationToken.None)).Id;
        }

        try
        {
            await JourneyAsync(pdf, $"harbor-scan-{run}.pdf", libraryName, run);
        }
        finally
        {
            await RemoveUploadsAsync(libraryId);
        }
    }

    private async Task JourneyAsync(string pdf, string name, string library, string run)
    {
        // Upload at UNCLASSIFIED; the worker reads the page by OCR in the background.
        await LogInAsync("analyst");
        await Page.GotoAsync("/documents");
        await Shell.WaitUntilInteractiveAsync();
        await Page.GetByTestId("upload-marking").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "UNCLASSIFIED" }).First.ClickAsync();
        await Expect(Page.Locator("input[type=file]")).ToBeEnabledAsync();
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "application/pdf", Buffer = await File.ReadAllBytesAsync(pdf) });
        var row = Page.GetByTestId("document-list").Locator("tr", new() { HasText = name });
        await Expect(row.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusReady"), new() { Timeout = 180_000 });

        // The reader: the page's badge says OCR (with its confidence), and the recognized text is there.
        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/documents/[0-9a-f-]{36}$"));
        await Shell.WaitUntilInteractiveAsync();
        _uploads.Add(Guid.Parse(new Uri(Page.Url).AbsolutePath.Split('/')[^1]));
        await Expect(Page.GetByTestId("page-source").First).ToHaveAttributeAsync("data-source", "ocr");
        await Expect(Page.GetByTestId("page-source").First).ToHaveTextAsync(new Regex(@"^\s*OCR \d+%\s*$"));
        await Expect(Page.GetByTestId("reader-page").First).ToContainTextAsync("ran aground");

        // Added to the library from the reader: the add returns while the vectors are computed in the background.
        await Page.GetByTestId("add-to-library-select").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
        await Page.GetByTestId("add-to-library-button").ClickAsync();
        await Expect(Page.GetByTestId("add-to-library-result")).ToContainTextAsync(library);

        // A grounded question: the answer completes and its source, the scanned page, says OCR.
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        await Chat.CreateSessionAsync();
        await Page.GetByTestId("chat-libraries").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
        await Expect(Page.GetByTestId("chat-libraries")).ToHaveValueAsync(library);
        await Page.Keyboard.PressAsync("Escape");
        await Expect(Page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await Chat.SetMaxTokensAsync(8);
        await Chat.SendAsync($"Where did the tanker Meridian{run} run aground?");
        await Expect(Chat.LastAnswer).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 120_000 });
        var source = Chat.LastAnswer.Locator($"[data-testid=answer-source][data-document-id='{_uploads[0]}']");
        await Expect(source).ToHaveCountAsync(1);
        await Expect(source.GetByTestId("source-ocr")).ToHaveTextAsync(new Regex(@"^\s*OCR \d+%\s*$"));
    }

    private async Task RemoveUploadsAsync(Guid libraryId)
    {
        // The app is shared by the collection: later tests expect the documents page without this scan.
        var everything = new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>(), "USA");
        var e2e = new WorkbenchActor("e2e", "e2e", [Roles.Admin], everything);
        foreach (var id in _uploads)
        {
            await Fixture.App.Services.GetRequiredService<RetrievalService>().RemoveDocumentAsync(libraryId, id, e2e, CancellationToken.None);
            await Fixture.App.Services.GetRequiredService<DocumentLibrary>().DeleteAsync(id, everything, "e2e", isAdministrator: true, e2e, CancellationToken.None);
        }
    }
}
