using System.Text.RegularExpressions;
using AxWorkbench.Core.Audit;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Admin;

public sealed class AdminAuditTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private ILocator Rows(string action, string actor) =>
        Page.Locator("tr").Filter(new() { Has = Page.GetByTestId("audit-action").GetByText(action, new() { Exact = true }) })
            .Filter(new() { Has = Page.GetByTestId("audit-actor").GetByText(actor, new() { Exact = true }) });

    [Fact]
    public async Task Admin_SeesOwnLoginAndAnalystsDeniedAttempt_AndVerifiesTheChainInTheUi()
    {
        // An analyst tries the admin page: denied, and the attempt is on record.
        await LogInAsync("analyst");
        await Page.GotoAsync("/admin/audit");
        await Expect(Shell.AccessDenied).ToBeVisibleAsync();
        // The access-denied view has no app bar: sign out from the home page.
        await Page.GotoAsync("/");
        await Shell.WaitUntilInteractiveAsync();
        await ReplacingDocumentAsync(() => Shell.Logout.ClickAsync());
        await Expect(Page).ToHaveURLAsync(new Regex("/account/login"));

        await LogInAsync("admin");
        await Shell.Nav("admin").ClickAsync();
        await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En("AdminTitle"));
        await Page.GetByTestId("admin-audit").ClickAsync();
        await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En("AdminAuditTitle"));

        await Expect(Rows(AuditActions.Login, "admin").First).ToBeVisibleAsync();
        await Expect(Rows(AuditActions.AccessDenied, "analyst").Filter(new() { HasText = "/admin/audit" })).ToHaveCountAsync(1);
        await Expect(Rows(AuditActions.Logout, "analyst").First).ToBeVisibleAsync();

        await Page.GetByTestId("audit-verify").ClickAsync();
        var verdict = Page.GetByTestId("audit-verdict");
        await Expect(verdict).ToContainTextAsync(UiText.En("AuditIntact"));
        await Expect(Page.GetByTestId("audit-first-bad")).ToHaveCountAsync(0);
        // The verification itself is audited.
        await Expect(Rows(AuditActions.AuditVerified, "admin").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Admin_CreatesAUserInTheUi_PasswordShownOnce_AndTheChangeIsAudited()
    {
        await LogInAsync("admin");
        await Page.GotoAsync("/admin/users");
        await Shell.WaitUntilInteractiveAsync();
        await Page.GetByTestId("users-create").ClickAsync();
        await Page.GetByTestId("user-editor-name").FillAsync("e2e-created");
        await Page.GetByTestId("user-editor-clearance").FillAsync("SECRET");
        await Page.GetByTestId("user-editor-unit").FillAsync("2nd Bde");
        await Page.GetByTestId("user-editor-save").ClickAsync();

        await Expect(Page.GetByTestId("users-message")).ToContainTextAsync(new Regex(@"e2e-created.*Ax-\S{16}"));
        await Expect(Page.GetByTestId("users-row").GetByText("e2e-created", new() { Exact = true })).ToBeVisibleAsync();

        await Page.GotoAsync("/admin/audit");
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Rows(AuditActions.UserCreated, "admin").Filter(new() { HasText = "e2e-created" })).ToHaveCountAsync(1);
    }
}
