using System.Diagnostics;

namespace AxWorkbench.Load;

/// <summary>
/// The user who is not chatting: clicks Documents, Libraries, Review and the model page in the side menu, over and
/// over, each time measuring in the page the time from the click to the new page's content (a MutationObserver).
/// </summary>
public sealed class Navigator(string userName, string password, LoadEvents events, Stopwatch clock)
{
    // menu test id, path, an element the new page shows once its data is there
    private static readonly (string Nav, string Path, string Content)[] Pages =
    [
        ("nav-documents", "/documents", "[data-testid=document-list]"),
        ("nav-libraries", "/libraries", "[data-testid=search-form]"),
        ("nav-review", "/review", "[data-testid=review-count]"),
        ("nav-model", "/admin/model", "[data-testid=model-state]"),
    ];

    // Clicks the menu link and resolves with ms until the path is the new one and its content element (a new node) is there.
    private const string ClickAndTime = """
        ([nav, path, content]) => new Promise(resolve => {
          const oldContent = document.querySelector(content);
          const oldTitle = document.querySelector('[data-testid=page-title]');
          const start = performance.now();
          const check = () => {
            const c = document.querySelector(content);
            const t = document.querySelector('[data-testid=page-title]');
            return location.pathname === path && c && c !== oldContent && t && t !== oldTitle;
          };
          const observer = new MutationObserver(() => { if (check()) { observer.disconnect(); resolve(performance.now() - start); } });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          setTimeout(() => { observer.disconnect(); resolve(-1); }, 30000);
          document.querySelector(`[data-testid=${nav}]`).click();
        })
        """;

    public async Task<IPage> OpenAsync(IBrowser browser, string origin)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", BaseURL = origin });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await Analyst.LogInAsync(page, userName, password);
        return page;
    }

    /// <summary>Waits until the demo library exists (the demo briefs are parsed and indexed at start).</summary>
    public static async Task WaitForDemoLibraryAsync(IPage page)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await page.GotoAsync("/libraries");
            await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            if (await page.GetByText("Demo briefs").CountAsync() > 0)
            {
                return;
            }
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("the demo library did not appear within 5 minutes");
            }
            await Task.Delay(2000);
        }
    }

    public async Task RunAsync(IPage page, DateTime deadline, CancellationToken cancellationToken)
    {
        await page.GotoAsync("/");
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var i = 0;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var (nav, path, content) = Pages[i++ % Pages.Length];
            var at = clock.Elapsed.TotalSeconds;
            try
            {
                var ms = await page.EvaluateAsync<double>(ClickAndTime, new[] { nav, path, content });
                events.Navigations.Enqueue(ms < 0
                    ? new NavigationEvent(at, path, null, "no content within 30 s")
                    : new NavigationEvent(at, path, Math.Round(ms, 1), null));
                if (ms < 0)
                {
                    events.Errors.Enqueue($"navigation to {path}: no content within 30 s");
                }
            }
            catch (PlaywrightException ex)
            {
                events.Navigations.Enqueue(new NavigationEvent(at, path, null, ex.Message.Split('\n')[0]));
                events.Errors.Enqueue($"navigation to {path}: {ex.Message.Split('\n')[0]}");
                await page.GotoAsync("/");
            }
            await Task.Delay(1000, cancellationToken);
        }
    }

}
