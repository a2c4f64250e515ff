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
