using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Chat;

/// <summary>
/// Crash test: the real app as a child process, a prompt sent through the UI (and acknowledged: shown as a committed turn),
/// then SIGKILL at a random moment while the answer streams, again and again. After a last restart: SQLite's integrity
/// check is ok, every acknowledged turn is there with its answer row, and no answer is left "generating": answers cut off
/// are "interrupted" with the text flushed before the kill. Runs: AXWB_CRASH_RUNS (default 20); seed: AXWB_CRASH_SEED.
/// </summary>
[Collection(ChatCrashCollection.Name)]
public sealed class ChatCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "Crash-Test-Password-2026!";
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "axworkbench-crash-" + Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Infrastructure.WorkbenchFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    [Fact]
    public async Task SigkillDuringGenerations_LosesNoAcknowledgedTurn_AndLeavesInterruptedAnswersWithTheirText()
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("AXWB_CRASH_RUNS"), CultureInfo.InvariantCulture, out var r) ? r : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AXWB_CRASH_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"crash test: {runs} runs, seed {seed}, data {_dataDirectory}");
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var chat = new ChatPageModel(page);
        var acknowledged = new List<string>();
        Guid? sessionId = null;
        var clock = Stopwatch.StartNew();
        var failures = 0;

        for (var run = 0; run < runs; run++)
        {
            using var app = await StartAppAsync();
            try
            {
                if (run == 0)
                {
                    await page.GotoAsync($"{app.Origin}/account/login");
                    await page.Locator("#consent-accept").ClickAsync();
                    await page.Locator("#username").FillAsync("analyst");
                    await page.Locator("#password").FillAsync(Password);
                    await page.Locator("#login-submit").ClickAsync();
                    await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
                }

                await page.GotoAsync(sessionId is { } id ? $"{app.Origin}/chat/{id}" : $"{app.Origin}/chat");
                await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
                if (sessionId is null)
                {
                    sessionId = await chat.CreateSessionAsync();
                }

                await Expect(chat.Input).ToBeVisibleAsync();
                await chat.SetMaxTokensAsync(1024);
                var text = $"crash run {run}: report the convoy position";
                await chat.SendAsync(text);
                acknowledged.Add(text);
                // Kill somewhere between "just acknowledged" and well into the stream.
                var delay = random.Next(0, 1500);
                if (delay > 0)
                {
                    await Task.Delay(delay);
                }
            }
#pragma warning disable CA1031 // a run whose UI step failed is counted and reported; the database checks still run
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                output.WriteLine($"run {run}: UI step failed before the kill: {ex.Message.Split('\n')[0]}");
            }
            finally
            {
                app.Kill();
            }
        }

        // One more start: recovery marks what the last kill left generating; then check the file directly.
        using (var last = await StartAppAsync())
        {
            last.Kill();
        }

        await context.CloseAsync();
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "axworkbench.db")};Mode=ReadOnly");
        await db.OpenAsync();
        var integrity = await ScalarAsync(db, "PRAGMA integrity_check;");
        var users = await ListAsync(db, "SELECT Content FROM ChatMessages WHERE Role = 'User'");
        var orphans = await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages u WHERE u.Role = 'User' AND NOT EXISTS (SELECT 1 FROM ChatMessages a WHERE a.ParentId = u.Id AND a.Role = 'Assistant')");
        var generating = await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Generating'");
        var interrupted = await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Interrupted'");
        var interruptedWithText = await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Interrupted' AND length(Content) > 0");
        var flushedButEmpty = await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Interrupted' AND CompletionTokens > 0 AND length(Content) = 0");
        var complete = await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Role = 'Assistant' AND Status = 'Complete'");
        var summary = $"crash test: {runs} SIGKILL runs in {clock.Elapsed.TotalSeconds:F0} s (seed {seed}); UI failures {failures}; acknowledged turns {acknowledged.Count}, stored user turns {users.Count}; " +
                      $"answers interrupted {interrupted} (with text {interruptedWithText}), complete {complete}, generating {generating}; integrity_check {integrity}";
        output.WriteLine(summary);
        Console.WriteLine(summary);

        Assert.Equal("ok", integrity);
        Assert.All(acknowledged, text => Assert.Contains(text, users));
        Assert.Equal("0", orphans);
        Assert.Equal("0", generating);
        Assert.Equal("0", flushedButEmpty);
        Assert.True(int.Parse(interruptedWithText, CultureInfo.InvariantCulture) > 0, "no kill landed after a flush: expected interrupted answers that kept their text");
        Assert.True(acknowledged.Count >= runs * 3 / 4, $"only {acknowledged.Count} of {runs} runs got a turn acknowledged");
    }

    private async Task<AppProcess> StartAppAsync()
    {
        var port = FreePort();
        var dll = WebAppDll();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Data__DataDirectory"] = _dataDirectory;
        start.Environment["Demo__Enabled"] = "true";
        start.Environment["Demo__Password"] = Password;
        start.Environment["Markings__Scheme"] = "Us";
        start.Environment["Conversations__FlushIntervalMs"] = "200";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine("app stderr: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, $"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"the app exited with {(process.HasExited ? process.ExitCode : 0)} while starting");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), "the app did not become healthy within 90 s");
            try
            {
                var response = await http.GetAsync(new Uri($"{app.Origin}/healthz"));
                if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("Healthy", StringComparison.Ordinal))
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }
    }

    private static string WebAppDll()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AxWorkbench.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "AxWorkbench.Web", "bin", configuration, "net10.0", "AxWorkbench.Web.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the web app first ({configuration}): {dll}");
            }
        }

        throw new DirectoryNotFoundException("Repository root (AxWorkbench.sln) not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> ScalarAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }

    private static async Task<List<string>> ListAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        var list = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class AppProcess(Process process, string origin) : IDisposable
    {
        public string Origin { get; } = origin;

        /// <summary>SIGKILL (Process.Kill on Linux): no shutdown code runs.</summary>
        public void Kill()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            process.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChatCrashCollection
{
    public const string Name = "Chat crash test (own app processes)";
}
