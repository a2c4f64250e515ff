using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AxWorkbench.E2E.Chat;
using AxWorkbench.E2E.Infrastructure;
using AxWorkbench.Web.Cli;
using Npgsql;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.MultiNode;

/// <summary>
/// Two real workbench processes (nodes A and B) on one PostgreSQL behind HAProxy on loopback, browsers pinned to a node
/// by HAProxy's AXWB_NODE cookie (node-1 = A, node-2 = B). The PostgreSQL server is AXWB_TEST_POSTGRES (tests/run.sh
/// starts one INSIDE the E2E network namespace); HAProxy is started here through tests/services.sh with the two ports.
/// The retrieval bound under test is 2 s (Cluster:RetrievalPollMilliseconds 1000); UI steps get a few seconds on top.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed partial class MultiNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "Workbench-Demo-2026";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan UiSlack = TimeSpan.FromSeconds(5);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "axworkbench-multinode-" + Guid.NewGuid().ToString("N"));
    private readonly string _database = "axwb_e2e_" + Guid.NewGuid().ToString("N")[..12];
    private string _connection = "";
    private string _proxy = "";
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Process? _a;
    private Process? _b;

    private string ServicesState => Path.Combine(_root, "services");

    private string CheckpointFile => Path.Combine(_root, "audit-checkpoints.log");

    public async Task InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("AXWB_TEST_POSTGRES") is { Length: > 0 } value ? value
            : throw new InvalidOperationException("AXWB_TEST_POSTGRES is not set: the MultiNode tests need a PostgreSQL server in their network namespace (tests/run.sh starts one).");
        Directory.CreateDirectory(_root);
        await ExecuteAsync(server, $"CREATE DATABASE \"{_database}\"");
        _connection = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ConnectionString;
        var (aPort, bPort) = (ChatCrashLoop.FreePort(), ChatCrashLoop.FreePort());
        _a = await StartNodeAsync("a", aPort);
        _b = await StartNodeAsync("b", bPort);
        _proxy = await StartHaproxyAsync($"127.0.0.1:{aPort},127.0.0.1:{bPort}");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = WorkbenchFixture.ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    [Fact]
    public async Task MultiNode_BriefAddedOnA_FoundAndReviewedOnB_ViewedByShownOnA_ClearanceLoweredOnB_HidesItOnA()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var analyst = await PinnedPageAsync("node-1", "analyst");
        var supervisor = await PinnedPageAsync("node-2", "supervisor");

        // 1. The analyst (A) makes a library, uploads a SECRET brief and adds it to the library.
        var library = $"Harbor {run}";
        await analyst.GotoAsync($"{_proxy}/libraries");
        await Expect(analyst.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await analyst.GetByTestId("library-name").FillAsync(library);
        await analyst.GetByTestId("library-create-button").ClickAsync();
        await Expect(analyst.GetByText(library).First).ToBeVisibleAsync();
        await UploadAndAddAsync(analyst, $"harbor-{run}.txt", "SECRET", library, $"(S) The harbor convoy KESTREL{run} sails at dawn.");
        var added = Stopwatch.StartNew();

        // 2. The supervisor (B) finds it within the bound.
        await supervisor.GotoAsync($"{_proxy}/libraries");
        var found = await SearchUntilAsync(supervisor, $"KESTREL{run}", hits: 1, Bound + UiSlack);
        Assert.True(found, $"node B's search did not find the brief added on node A within {Bound + UiSlack} ({added.Elapsed} after the add)");

        // 3. The analyst (A) chats; the supervisor (B) reviews the session; the analyst sees "viewed by" on A.
        var chat = new ChatPageModel(analyst);
        await analyst.GotoAsync($"{_proxy}/chat");
        await Expect(analyst.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await chat.CreateSessionAsync();
        await chat.SetMaxTokensAsync(8);
        await chat.SendAsync($"Summarize convoy {run}.");
        await Expect(chat.LastAnswer).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 60_000 });
        var sessionId = SessionFromUrl(analyst.Url);
        await supervisor.GotoAsync($"{_proxy}/review/{sessionId}");
        await Expect(supervisor.GetByTestId("review-transcript")).ToBeVisibleAsync();
        await Expect(analyst.Locator($"[data-testid=session-item][data-session-id='{sessionId}'] [data-testid=session-viewed]"))
            .ToBeVisibleAsync(new() { Timeout = (float)(Bound + UiSlack).TotalMilliseconds });

        // 4. The admin (B) lowers the analyst's clearance; the brief leaves the analyst's results on A within the bound.
        var admin = await PinnedPageAsync("node-2", "admin");
        await admin.GotoAsync($"{_proxy}/admin/users");
        await Expect(admin.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await admin.Locator("tr", new() { HasText = "analyst" }).GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await analyst.GotoAsync($"{_proxy}/libraries");
        Assert.True(await SearchUntilAsync(analyst, $"KESTREL{run}", hits: 1, UiSlack));
        await admin.GetByTestId("user-editor-clearance").FillAsync("CONFIDENTIAL");
        await admin.GetByTestId("user-editor-save").ClickAsync();
        await Expect(admin.GetByTestId("users-message")).ToBeVisibleAsync();
        Assert.True(await SearchUntilAsync(analyst, $"KESTREL{run}", hits: 0, Bound + UiSlack),
            "the analyst on node A still found the SECRET brief after their clearance was lowered on node B");
    }

    /// <remarks>
    /// The "interrupted" part needs the generation lease sweep of another node (branch <c>jobs</c>): until it is merged,
    /// B never marks A's answer interrupted and this test fails at that step, naming it.
    /// </remarks>
    [Fact]
    public async Task MultiNode_NodeAKilledWhileStreaming_AnalystReloadsOnB_TurnInterrupted_AcknowledgedTurnsKept_OneAuditChain()
    {
        var analyst = await PinnedPageAsync("node-1", "analyst");
        var chat = new ChatPageModel(analyst);
        await analyst.GotoAsync($"{_proxy}/chat");
        await Expect(analyst.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await chat.CreateSessionAsync();
        await chat.SetMaxTokensAsync(8);
        await chat.SendAsync("First, acknowledged turn.");
        await Expect(chat.LastAnswer).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 60_000 });
        var first = await chat.LastAnswer.GetAttributeAsync("data-message-id");
        var sessionId = SessionFromUrl(analyst.Url);
        await chat.SetMaxTokensAsync(4000);
        await chat.SendAsync("Write a long report on every convoy.");
        await Expect(analyst.Locator("[data-testid=message][data-status=generating]")).ToBeVisibleAsync();

        _a!.Kill(entireProcessTree: true);
        await _a.WaitForExitAsync();
        await analyst.ReloadAsync();
        await analyst.GotoAsync($"{_proxy}/chat/{sessionId}");
        await Expect(analyst.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await Expect(analyst.Locator($"[data-message-id='{first}']")).ToHaveAttributeAsync("data-status", "complete");
        await Expect(analyst.Locator("[data-testid=message][data-role=assistant]").Last)
            .ToHaveAttributeAsync("data-status", "interrupted", new() { Timeout = 120_000 });

        // One chain: it verifies (against the nodes' shared checkpoint file), and holds the sign-ins made through both nodes.
        var waited = Stopwatch.StartNew();
        while ((!File.Exists(CheckpointFile) || new FileInfo(CheckpointFile).Length == 0) && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
        }

        using var printed = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(["audit", "verify"], printed, error, new Dictionary<string, string?>
        {
            ["Data:Provider"] = "Postgres", ["ConnectionStrings:Workbench"] = _connection, ["Data:DataDirectory"] = Path.Combine(_root, "verify"),
            ["Audit:CheckpointPath"] = CheckpointFile,
        });
        Assert.True(exit == 0, $"audit verify: {printed}{error}");
        await using var db = new NpgsqlConnection(_connection);
        await db.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(DISTINCT \"Actor\") FROM \"AuditRecords\" WHERE \"Actor\" IN ('analyst', 'supervisor', 'admin')", db);
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 1);
    }

    private async Task<IPage> PinnedPageAsync(string node, string user)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        await context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = "AXWB_NODE", Value = node, Url = _proxy }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{_proxy}/account/login");
        await page.Locator("#consent-accept").ClickAsync();
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        return page;
    }

    private static async Task UploadAndAddAsync(IPage page, string name, string level, string library, string text)
    {
        await page.GotoAsync(new Uri(new Uri(page.Url), "/documents").ToString());
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await page.GetByTestId("upload-marking").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = level }).First.ClickAsync();
        // The file input is enabled by the marking's choice (a render later): a file set before that is lost.
        await Expect(page.Locator("input[type=file]")).ToBeEnabledAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes(text + "\n") });
        var row = page.GetByTestId("document-list").Locator("tr", new() { HasText = name });
        await Expect(row.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusReady"), new() { Timeout = 30_000 });
        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/documents/[0-9a-f-]{36}$"));
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await page.GetByTestId("add-to-library-select").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = library }).First.ClickAsync();
        await page.GetByTestId("add-to-library-button").ClickAsync();
        await Expect(page.GetByTestId("add-to-library-result")).ToContainTextAsync(library);
    }

    /// <summary>Submits the search until it shows <paramref name="hits"/> hits or <paramref name="within"/> has passed (the bound under test).</summary>
    private static async Task<bool> SearchUntilAsync(IPage page, string query, int hits, TimeSpan within)
    {
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        var clock = Stopwatch.StartNew();
        do
        {
            await page.GetByTestId("search-box").FillAsync(query);
            await page.GetByTestId("search-button").ClickAsync();
            var shown = hits == 0 ? page.GetByTestId("search-empty") : page.GetByTestId("search-hit");
            try
            {
                await Expect(shown).ToHaveCountAsync(hits == 0 ? 1 : hits, new() { Timeout = 500 });
                return true;
            }
            catch (PlaywrightException)
            {
                // Not yet: the search is submitted again until the bound has passed.
            }
        }
        while (clock.Elapsed < within);
        return false;
    }

    private static Guid SessionFromUrl(string url) => Guid.Parse(SessionId().Match(url).Groups[1].Value);

    [GeneratedRegex("/chat/([0-9a-f-]{36})")]
    private static partial Regex SessionId();

    private async Task<Process> StartNodeAsync(string name, int port)
    {
        var dll = ChatCrashLoop.WebAppDll();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Markings__Scheme"] = "Us";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Data__Provider"] = "Postgres";
        start.Environment["ConnectionStrings__Workbench"] = _connection;
        start.Environment["Data__DataDirectory"] = Path.Combine(_root, name);
        start.Environment["Data__NodeId"] = "node-" + name;
        start.Environment["Demo__Enabled"] = "true";
        start.Environment["Demo__Password"] = Password;
        start.Environment["Demo__Briefs"] = "false";
        start.Environment["Cluster__RetrievalPollMilliseconds"] = "1000";
        // One checkpoint file for the site's one chain (shared storage in production), written often here.
        start.Environment["Audit__CheckpointPath"] = CheckpointFile;
        start.Environment["Audit__CheckpointIntervalSeconds"] = "2";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine($"node {name} stderr: {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"node {name} exited while starting");
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"node {name} did not answer /healthz within 3 minutes");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }
    }

    private async Task<string> StartHaproxyAsync(string backends)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "services.sh");
        var start = new ProcessStartInfo("bash", [script, "up", "haproxy"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["AXWB_SERVICES_STATE"] = ServicesState;
        start.Environment["AXWB_HAPROXY_BACKENDS"] = backends;
        using var process = Process.Start(start)!;
        var exports = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"tests/services.sh up haproxy failed: {errors}");
        var origin = ProxyExport().Match(exports).Groups[1].Value;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if ((await http.GetAsync(new Uri($"{origin}/healthz"))).StatusCode == HttpStatusCode.OK)
                {
                    return origin;
                }
            }
            catch (HttpRequestException)
            {
                // HAProxy's first health checks are still running.
            }

            await Task.Delay(250);
        }

        throw new InvalidOperationException($"HAProxy at {origin} did not pass /healthz within 30 s");
    }

    [GeneratedRegex("AXWB_TEST_HAPROXY='([^']+)'")]
    private static partial Regex ProxyExport();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "tests", "services.sh")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("tests/services.sh not found above " + AppContext.BaseDirectory);
    }

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        foreach (var node in new[] { _a, _b })
        {
            if (node is { HasExited: false })
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
            }
        }

        var stop = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), "tests", "services.sh"), "down", "haproxy"]) { UseShellExecute = false, RedirectStandardError = true };
        stop.Environment["AXWB_SERVICES_STATE"] = ServicesState;
        using (var down = Process.Start(stop)!)
        {
            await down.WaitForExitAsync();
        }

        NpgsqlConnection.ClearAllPools();
        if (Environment.GetEnvironmentVariable("AXWB_TEST_POSTGRES") is { Length: > 0 } server)
        {
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "MultiNode";
}
