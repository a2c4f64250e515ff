using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Shell;

public sealed class LanguageSwitchTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task LanguageSwitch_TurnsNavigationKorean_AndBackToEnglish()
    {
        await LogInAsync("analyst");
        await Expect(Shell.Nav("chat")).ToHaveTextAsync(UiText.En("NavChat"));

        await ReplacingDocumentAsync(() => Shell.Language("ko-KR").ClickAsync());
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Shell.Nav("chat")).ToHaveTextAsync(UiText.Ko("NavChat"));
        Assert.Equal("채팅", UiText.Ko("NavChat"));
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "ko");
        await Expect(Shell.BannerTop).ToBeVisibleAsync();

        await ReplacingDocumentAsync(() => Shell.Language("en-US").ClickAsync());
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Shell.Nav("chat")).ToHaveTextAsync(UiText.En("NavChat"));
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }
}
