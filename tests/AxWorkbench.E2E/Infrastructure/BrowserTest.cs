using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Infrastructure;

/// <summary>
/// Base for E2E tests: a fresh browser context per test; every request, response, page error and
/// console error is recorded, and the test fails at the end on any request to another origin
/// (the product must never reach beyond its own server) and on any page or console error.
/// </summary>
[Collection(WorkbenchCollection.Name)]
public abstract class BrowserTest(WorkbenchFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _foreignRequests = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<(string Url, int Status)> _responses = new();
    private readonly HashSet<IPage> _watchedPages = [];
    private readonly ConcurrentQueue<IBrowserContext> _contexts = new();
    private IBrowserContext? _context;
    private IPage? _page;
    private volatile bool _closing;

    protected WorkbenchFixture Fixture => fixture;

    protected ITestOutputHelper Output => output;

    protected Uri BaseAddress => fixture.BaseAddress;

    protected IBrowserContext Context => _context ?? throw new InvalidOperationException("No browser context yet.");

    protected IPage Page => _page ?? throw new InvalidOperationException("No page yet.");

    protected LoginPage Login => new(Page);

    protected ShellPage Shell => new(Page);

    /// <summary>Every response the browser received so far (URL, status).</summary>
    protected IReadOnlyCollection<(string Url, int Status)> Responses => _responses;

    public async Task InitializeAsync()
    {
        _context = await NewContextAsync();
        _context.Request += (_, request) => OnRequest(request.Url);
        _context.Response += (_, response) => _responses.Enqueue((response.Url, response.Status));
        _context.Page += (_, page) => Watch(page);
        _page = await _context.NewPageAsync();
        Watch(_page);
    }

    /// <summary>A browser context for this app (the test's own, or a second user's, or one with a client certificate).</summary>
    protected async Task<IBrowserContext> NewContextAsync(Action<BrowserNewContextOptions>? configure = null)
    {
        var options = new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString().TrimEnd('/'),
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            // The test CA that signed an HTTPS fixture's server certificate is not in Chromium's store.
            IgnoreHTTPSErrors = BaseAddress.Scheme == Uri.UriSchemeHttps,
        };
        configure?.Invoke(options);
        var context = await fixture.Browser.NewContextAsync(options);
        context.SetDefaultTimeout(30_000);
        _contexts.Enqueue(context);
        return context;
    }

    public async Task DisposeAsync()
    {
        _closing = true;
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
        output.WriteLine($"{_requests.Count} requests, all expected on {Origin(BaseAddress)}.");
        Assert.True(_foreignRequests.IsEmpty, "Requests to another origin:\n" + string.Join('\n', _foreignRequests));
        Assert.True(_errors.IsEmpty, "Page or console errors:\n" + string.Join('\n', _errors));
    }

    /// <summary>Signs in through the login form and waits until the shell is interactive.</summary>
    protected async Task LogInAsync(string userName, string password = WorkbenchAppFactory.DemoPassword)
    {
        await Page.GotoAsync("/account/login");
        await SubmitLoginAsync(userName, password);
        await Shell.WaitUntilInteractiveAsync();
    }

    /// <summary>Fills and posts the (static) login form and waits until the browser shows the document that answered.</summary>
    protected async Task SubmitLoginAsync(string userName, string password)
    {
        await AcceptConsentIfShownAsync();
        await Login.UserName.FillAsync(userName);
        await Login.Password.FillAsync(password);
        await ReplacingDocumentAsync(() => Login.Submit.ClickAsync());
    }

    /// <summary>Accepts the notice-and-consent banner when the (static, fully loaded) login page shows it.</summary>
    protected async Task AcceptConsentIfShownAsync()
    {
        if (await Login.ConsentAccept.CountAsync() > 0)
        {
            await ReplacingDocumentAsync(() => Login.ConsentAccept.ClickAsync());
        }
    }

    /// <summary>
    /// Runs an action that loads a new document (form post, full navigation) and waits until the old
    /// document is gone, so that assertions never read the page that was there before.
    /// </summary>
    protected async Task ReplacingDocumentAsync(Func<Task> action)
    {
        await Page.EvaluateAsync("() => document.documentElement.setAttribute('data-e2e-old-document', '')");
        await action();
        await Expect(Page.Locator("html[data-e2e-old-document]")).ToHaveCountAsync(0);
        await Page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    private void Watch(IPage page)
    {
        lock (_watchedPages)
        {
            if (!_watchedPages.Add(page))
            {
                return;
            }
        }
        page.PageError += (_, error) => _errors.Enqueue($"page error on {page.Url}: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !_closing)
            {
                _errors.Enqueue($"console error on {page.Url}: {message.Text} ({message.Location})");
            }
        };
        page.WebSocket += (_, socket) => OnRequest(socket.Url);
    }

    private void OnRequest(string url)
    {
        _requests.Enqueue(url);
        if (!IsSameOrigin(url))
        {
            _foreignRequests.Enqueue(url);
        }
    }

    private bool IsSameOrigin(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }
        // data: URIs carry their content inline; nothing is fetched from anywhere.
        if (uri.Scheme == "data")
        {
            return true;
        }
        var scheme = uri.Scheme switch { "ws" => "http", "wss" => "https", var s => s };
        return scheme == BaseAddress.Scheme && uri.Host == BaseAddress.Host && uri.Port == BaseAddress.Port;
    }

    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
