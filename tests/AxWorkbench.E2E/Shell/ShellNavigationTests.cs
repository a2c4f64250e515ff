using System.Globalization;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Identity;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Shell;

public sealed partial class ShellNavigationTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    public static TheoryData<string, string[], string[]> DemoUsers => new()
    {
        // user, pages in the navigation, pages that must not be offered
        { "analyst", ["chat", "documents", "libraries"], ["review", "admin"] },
        { "supervisor", ["chat", "documents", "libraries", "review"], ["admin"] },
        { "admin", ["chat", "documents", "libraries", "review", "admin"], [] },
    };

    /// <summary>
    /// Leaving a page while its circuit is still connecting (a quick click through the navigation) aborts the
    /// SignalR negotiation; that is the user's doing, not a failure, and must not be logged as an error in the console
    /// (the base class fails the test on any console error).
    /// </summary>
    [Fact]
    public async Task LeavingPagesBeforeTheirCircuitConnects_LogsNoConsoleError()
    {
        await LogInAsync("analyst");
        string[] pages = ["/chat", "/documents", "/libraries", "/", "/chat", "/documents", "/libraries", "/"];
        foreach (var path in pages)
        {
            await Page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
            await Page.GotoAsync(path, new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            await Page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Load });
        }
        await Shell.WaitUntilInteractiveAsync();
        // The last page still connects and works after all that.
        await Shell.Nav("documents").ClickAsync();
        await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En("DocumentsTitle"));
    }

    [Theory]
    [MemberData(nameof(DemoUsers))]
    public async Task DemoUser_SeesBannersOnEveryAllowedPage_AndLogsOutToLogin(string userName, string[] pages, string[] hidden)
    {
        await LogInAsync(userName);
        await ExpectBannersAsync("UNCLASSIFIED");
        var welcome = string.Format(CultureInfo.InvariantCulture, UiText.En("Welcome"), DemoUserSeeder.Users.Single(u => u.UserName == userName).DisplayName);
        await Expect(Shell.PageTitle).ToHaveTextAsync(welcome);

        foreach (var name in hidden)
        {
            await Expect(Shell.Nav(name)).ToHaveCountAsync(0);
        }
        foreach (var name in pages)
        {
            await Shell.Nav(name).ClickAsync();
            await Expect(Page).ToHaveURLAsync(new Regex($"/{name}$"));
            await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En(TitleKey(name)));
            // Feature pages show what other tests in this shared app left there (sessions, documents), so the banner
            // may rise; it must still be the same top and bottom and never above what this user may see.
            await ExpectBannersWithinClearanceAsync(userName);
        }
        await Shell.Nav("home").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/$"));
        await Expect(Shell.PageTitle).ToHaveTextAsync(welcome);

        await ReplacingDocumentAsync(() => Shell.Logout.ClickAsync());
        await Expect(Page).ToHaveURLAsync(new Regex("/account/login$"));
        await Expect(Login.UserName).ToBeVisibleAsync();
        await ExpectBannersAsync("UNCLASSIFIED");
    }

    private async Task ExpectBannersWithinClearanceAsync(string userName)
    {
        await Expect(Shell.BannerTop).ToBeVisibleAsync();
        await Expect(Shell.BannerBottom).ToBeVisibleAsync();
        var top = (await Shell.BannerTop.TextContentAsync())!.Trim();
        await Expect(Shell.BannerBottom).ToHaveTextAsync(top);
        var shown = AxWorkbench.Core.Markings.MarkingSchemes.Us.ParseBanner(top);
        var clearance = AxWorkbench.Core.Markings.MarkingSchemes.Us.ParseBanner(DemoUserSeeder.Users.Single(u => u.UserName == userName).UsClearance);
        Assert.True(shown.Level <= clearance.Level, $"{userName} sees a {top} banner above their clearance");
    }

    [Fact]
    public async Task AnalystShell_BannersFramePage_AppBarUnderTopBanner_FontsServedLocally_Screenshot()
    {
        await LogInAsync("analyst");
        await ExpectBannersAsync("UNCLASSIFIED");
        await Expect(Shell.PageTitle).ToBeVisibleAsync();

        // Wait until the fonts the page uses are loaded, then check they came from /assets.
        var loadedFaces = await Page.EvaluateAsync<string[]>(
            "async () => { await document.fonts.ready; return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight); }");
        Output.WriteLine("Loaded font faces: " + string.Join(", ", loadedFaces));
        Assert.Contains(loadedFaces, face => face.Contains("Roboto", StringComparison.Ordinal));
        var fontResponses = Responses.Where(r => FontFile().IsMatch(new Uri(r.Url).AbsolutePath)).ToList();
        Output.WriteLine("Font responses: " + string.Join(", ", fontResponses.Select(r => $"{new Uri(r.Url).AbsolutePath} {r.Status}")));
        Assert.NotEmpty(fontResponses);
        Assert.All(fontResponses, r => Assert.Equal(200, r.Status));

        // Geometry: banners span the viewport at its very top and bottom; the app bar sits right under the top banner.
        var viewport = Page.ViewportSize!;
        var top = await BoxAsync(Shell.BannerTop);
        var bottom = await BoxAsync(Shell.BannerBottom);
        var appBar = await BoxAsync(Shell.AppBar);
        Assert.Equal(0, top.X, 0.5);
        Assert.Equal(0, top.Y, 0.5);
        Assert.Equal(viewport.Width, top.Width, 0.5);
        Assert.Equal(0, bottom.X, 0.5);
        Assert.Equal(viewport.Width, bottom.Width, 0.5);
        Assert.Equal(viewport.Height, bottom.Y + bottom.Height, 0.5);
        Assert.Equal(top.Y + top.Height, appBar.Y, 0.5);

        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", "shell-analyst.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        Output.WriteLine($"Screenshot of the analyst's shell: {path}");
        Console.WriteLine($"E2E screenshot: {path}");
    }

    private async Task ExpectBannersAsync(string text)
    {
        await Expect(Shell.BannerTop).ToBeVisibleAsync();
        await Expect(Shell.BannerBottom).ToBeVisibleAsync();
        await Expect(Shell.BannerTop).ToHaveTextAsync(text);
        await Expect(Shell.BannerBottom).ToHaveTextAsync(text);
    }

    private static async Task<LocatorBoundingBoxResult> BoxAsync(ILocator locator) =>
        await locator.BoundingBoxAsync() ?? throw new InvalidOperationException($"{locator} is not rendered.");

    private static string TitleKey(string nav) => nav switch
    {
        "chat" => "ChatTitle",
        "documents" => "DocumentsTitle",
        "libraries" => "LibrariesTitle",
        "review" => "ReviewTitle",
        "admin" => "AdminTitle",
        _ => throw new ArgumentOutOfRangeException(nameof(nav), nav, "No page title known for this navigation link."),
    };

    [GeneratedRegex(@"^/assets/fonts/files/.+\.woff2$")]
    private static partial Regex FontFile();
}
