using System.Text.RegularExpressions;
using AxWorkbench.Core.Audit;
using AxWorkbench.E2E.Chat;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Review;

public sealed class ReviewFlowTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private ChatPageModel Chat => new(Page);

    private ILocator Field(string testId) => Page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]");

    private async Task LogOutAsync()
    {
        await Page.GotoAsync("/");
        await Shell.WaitUntilInteractiveAsync();
        await ReplacingDocumentAsync(() => Shell.Logout.ClickAsync());
        await Expect(Page).ToHaveURLAsync(new Regex("/account/login"));
    }

    [Fact]
    public async Task AnalystWorksASession_SupervisorFindsCommentsAndSignsOff_AnalystSeesItWasViewed()
    {
        var marker = "review-e2e-" + Guid.NewGuid().ToString("N")[..8];

        // The analyst works a session.
        await LogInAsync("analyst");
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        var sessionId = await Chat.CreateSessionAsync();
        await Chat.SetMaxTokensAsync(8);
        await Chat.SendAsync($"Summarize the convoy report {marker}.");
        await Expect(Chat.LastAnswer).Not.ToHaveAttributeAsync("data-status", "generating", new() { Timeout = 60_000 });

        // Review pages are not for analysts, by link or by URL (the policy denies and records it).
        await Page.GotoAsync($"/review/{sessionId}");
        await Expect(Shell.AccessDenied).ToBeVisibleAsync();
        await LogOutAsync();

        // The supervisor finds it in the queue, comments on a turn and signs off.
        await LogInAsync("supervisor");
        await Shell.Nav("review").ClickAsync();
        await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En("ReviewTitle"));
        await Field("filter-text").FillAsync(marker);
        await Page.GetByTestId("filter-apply").ClickAsync();
        var row = Page.Locator($"[data-testid=review-row][data-session-id='{sessionId}']");
        await Expect(Page.GetByTestId("review-row")).ToHaveCountAsync(1);
        await Expect(row).ToBeVisibleAsync();
        await row.GetByTestId("review-link").ClickAsync();
        await Page.WaitForURLAsync(new Regex($"/review/{sessionId}$"));
        await Expect(Page.GetByTestId("review-transcript")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "InReview");
        var userTurn = Page.Locator("[data-testid=review-message][data-role=User]").First;
        await Expect(userTurn.GetByTestId("message-content")).ToContainTextAsync(marker);
        await userTurn.Locator("input").FillAsync("Name the source of the convoy report.");
        await userTurn.GetByTestId("comment-add").ClickAsync();
        await Expect(userTurn.GetByTestId("review-comment")).ToContainTextAsync("Name the source of the convoy report.");
        await Page.GetByTestId("review-sign-off").ClickAsync();
        await Expect(Page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "SignedOff");
        await Expect(Page.GetByTestId("review-signed-off")).ToContainTextAsync("supervisor");
        await LogOutAsync();

        // The analyst sees that the supervisor viewed the session, and when.
        await LogInAsync("analyst");
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        var viewed = Page.Locator($"[data-testid=session-item][data-session-id='{sessionId}'] [data-testid=session-viewed]");
        await Expect(viewed).ToHaveAttributeAsync("aria-label", new Regex(@"^Viewed by supervisor · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"));
        await LogOutAsync();

        // The admin sees the review trail in the audit viewer.
        await LogInAsync("admin");
        await Page.GotoAsync("/admin/audit");
        await Shell.WaitUntilInteractiveAsync();
        foreach (var action in new[] { AuditActions.SessionViewed, AuditActions.Comment, AuditActions.SignOff })
        {
            await Expect(Page.Locator("tr").Filter(new() { Has = Page.GetByTestId("audit-action").GetByText(action, new() { Exact = true }) })
                .Filter(new() { HasText = sessionId.ToString() }).First).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task OthersSessions_AnalystByUrlAndExport_SupervisorOutsideUnitByUrlAndExport_AreRefusedAndAudited()
    {
        // The admin (Headquarters) owns a session: outside the battalion supervisor's unit, and not the analyst's.
        await LogInAsync("admin");
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        var sessionId = await Chat.CreateSessionAsync();
        await LogOutAsync();

        await LogInAsync("analyst");
        await Page.GotoAsync($"/chat/{sessionId}");
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Chat.Error).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("session-title")).ToHaveCountAsync(0);
        var analystExport = await Page.APIRequest.GetAsync($"/chat/export/{sessionId}.md");
        Assert.Equal(404, analystExport.Status);
        await LogOutAsync();

        await LogInAsync("supervisor");
        await Page.GotoAsync($"/review/{sessionId}");
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Page.GetByTestId("review-denied")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("review-transcript")).ToHaveCountAsync(0);
        var supervisorExport = await Page.APIRequest.GetAsync($"/review/export/{sessionId}.md");
        Assert.Equal(404, supervisorExport.Status);
        await LogOutAsync();

        await LogInAsync("admin");
        await Page.GotoAsync("/admin/audit");
        await Shell.WaitUntilInteractiveAsync();
        ILocator Denied(string actor, string target) => Page.Locator("tr")
            .Filter(new() { Has = Page.GetByTestId("audit-action").GetByText(AuditActions.AccessDenied, new() { Exact = true }) })
            .Filter(new() { Has = Page.GetByTestId("audit-actor").GetByText(actor, new() { Exact = true }) })
            .Filter(new() { HasText = target });
        await Expect(Denied("analyst", $"/chat/{sessionId}").First).ToBeVisibleAsync();
        await Expect(Denied("supervisor", $"/review/{sessionId}")).ToHaveCountAsync(2); // the page and the export
    }
}
