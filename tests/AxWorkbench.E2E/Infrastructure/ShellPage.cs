namespace AxWorkbench.E2E.Infrastructure;

/// <summary>The signed-in shell: banners, app bar, navigation, page title.</summary>
public sealed class ShellPage(IPage page)
{
    public ILocator BannerTop => page.GetByTestId("banner-top");

    public ILocator BannerBottom => page.GetByTestId("banner-bottom");

    public ILocator AppBar => page.Locator(".mud-appbar");

    public ILocator PageTitle => page.GetByTestId("page-title");

    public ILocator AccessDenied => page.GetByTestId("access-denied");

    public ILocator Logout => page.GetByTestId("logout");

    public ILocator UserName => page.GetByTestId("user-name");

    /// <summary>The layout, once the Blazor circuit has rendered it interactively (MainLayout sets data-interactive).</summary>
    public ILocator InteractiveLayout => page.Locator("[data-interactive=true]");

    /// <summary>A navigation link: home, chat, documents, libraries, review, admin.</summary>
    public ILocator Nav(string name) => page.GetByTestId($"nav-{name}");

    /// <summary>The language switch link for a culture: en-US or ko-KR.</summary>
    public ILocator Language(string culture) => page.GetByTestId($"lang-{culture}");

    /// <summary>Waits until the Blazor circuit is up and the shell responds to clicks.</summary>
    public Task WaitUntilInteractiveAsync() => Expect(InteractiveLayout).ToBeAttachedAsync();
}
