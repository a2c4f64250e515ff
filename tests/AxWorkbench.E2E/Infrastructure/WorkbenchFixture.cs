using AxWorkbench.Core.Identity;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace AxWorkbench.E2E.Infrastructure;

/// <summary>One app and one browser for the whole E2E collection; each test gets its own browser context.</summary>
public class WorkbenchFixture : IAsyncLifetime
{
    public WorkbenchFixture()
        : this(new WorkbenchAppFactory())
    {
    }

    /// <summary>A fixture around an app with other settings (xunit wants one public constructor per fixture).</summary>
    protected WorkbenchFixture(WorkbenchAppFactory app) => App = app;

    /// <summary>Debian's chromium package; Playwright's own browser downloads are never used.</summary>
    public const string ChromiumPath = "/usr/lib/chromium/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public WorkbenchAppFactory App { get; }

    public Uri BaseAddress { get; private set; } = default!;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not started.");

    public virtual async Task InitializeAsync()
    {
        BaseAddress = App.ServerAddress;
        // The first circuit on a cold machine can take a few seconds; conditions are still awaited, never slept on.
        SetDefaultExpectTimeout(30_000);
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y chromium), or run tests/run.sh which does.");
        }
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in a container has no user namespace sandbox; /dev/shm may be small.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>Adds a user straight through the app's own services (e.g. one to lock out without disturbing the demo users).</summary>
    public async Task AddUserAsync(string userName, string password, string role, string clearance)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        await admin.AddAsync(userName, password, [role], clearance, "E2E", userName);
    }

    public virtual async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WorkbenchCollection : ICollectionFixture<WorkbenchFixture>
{
    public const string Name = "Workbench app in Chromium";
}
