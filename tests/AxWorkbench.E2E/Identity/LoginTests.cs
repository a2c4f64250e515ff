using AxWorkbench.Core.Actors;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Identity;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Identity;

public sealed class LoginTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task AnonymousVisitToChat_RedirectsToLogin_AndSigningInLandsOnChat()
    {
        await Page.GotoAsync("/chat");
        await Expect(Page).ToHaveURLAsync(new Regex(@"/account/login\?ReturnUrl=%2Fchat$"));
        await Expect(Shell.BannerTop).ToBeVisibleAsync();

        await SubmitLoginAsync("analyst", WorkbenchAppFactory.DemoPassword);
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/chat$"));
        await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En("ChatTitle"));
    }

    [Fact]
    public async Task WrongPassword_ShowsError_AndFiveWrongPasswordsLockTheAccount()
    {
        const string userName = "e2e-lockout";
        const string password = "Lockout-Target-2026!";
        await Fixture.AddUserAsync(userName, password, Roles.Analyst, "UNCLASSIFIED");
        await Page.GotoAsync("/account/login");

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await SubmitLoginAsync(userName, "wrong-password-" + attempt);
            await Expect(Login.Error).ToHaveTextAsync(UiText.En("LoginFailed"));
            await Expect(Page).ToHaveURLAsync(new Regex("/account/login$"));
        }

        await SubmitLoginAsync(userName, "wrong-password-5");
        await Expect(Login.Error).ToHaveTextAsync(UiText.En("LockedOut"));

        // Locked: even the right password is refused now.
        await SubmitLoginAsync(userName, password);
        await Expect(Login.Error).ToHaveTextAsync(UiText.En("LockedOut"));
        await Expect(Page).ToHaveURLAsync(new Regex("/account/login$"));
    }

    [Fact]
    public async Task AnalystTypingAdminUrl_SeesAccessDenied()
    {
        await LogInAsync("analyst");
        await Expect(Shell.Nav("admin")).ToHaveCountAsync(0);

        await Page.GotoAsync("/admin");
        await Expect(Shell.AccessDenied).ToBeVisibleAsync();
        await Expect(Shell.PageTitle).ToHaveCountAsync(0);
        await Expect(Shell.BannerTop).ToBeVisibleAsync();
    }
}
