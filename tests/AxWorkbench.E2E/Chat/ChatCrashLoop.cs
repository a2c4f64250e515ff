using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.E2E.Chat;

/// <summary>What a crash loop left in the database after its last restart.</summary>
public sealed record ChatCrashLoopResult(
    int Runs, int Seed, double Seconds, int UiFailures, IReadOnlyList<string> Acknowledged, IReadOnlyList<string> StoredUserTurns,
    string Integrity, long Orphans, long Generating, long Interrupted, long InterruptedWithText, long FlushedButEmpty, long Complete,
    IReadOnlyList<double> StartSeconds)
{
    public IReadOnlyList<string> Lost => [.. Acknowledged.Where(a => !StoredUserTurns.Contains(a))];

    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"crash loop: {Runs} SIGKILL runs in {Seconds:F0} s (seed {Seed}); UI failures {UiFailures}; acknowledged turns {Acknowledged.Count}, stored user turns {StoredUserTurns.Count}, lost {Lost.Count}; " +
        $"answers interrupted {Interrupted} (with text {InterruptedWithText}), complete {Complete}, generating {Generating}; integrity_check {Integrity}");
}

/// <summary>
/// The crash loop (shared by the 20-run E2E test and the 200-run benchmark mode): the real app as a child process, a
/// prompt sent through the UI (acknowledged: shown as a committed turn), then SIGKILL at a random moment while the
/// answer streams, again and again; one last start lets recovery run; then the SQLite file is read directly.
/// </summary>
public sealed class ChatCrashLoop(IBrowser browser, string dataDirectory, string password, Action<string> log, TimeSpan? startTimeout = null)
{
    private readonly TimeSpan _startTimeout = startTimeout ?? TimeSpan.FromSeconds(90);

    /// <param name="budget">Stop starting new runs after this long (the benchmark on a loaded machine); null: all runs.</param>
    public async Task<ChatCrashLoopResult> RunAsync(int runs, int seed, TimeSpan? budget = null)
    {
        var random = new Random(seed);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var chat = new ChatPageModel(page);
        var acknowledged = new List<string>();
        var starts = new List<double>();
        Guid? sessionId = null;
        var clock = Stopwatch.StartNew();
        var failures = 0;
        var loggedIn = false;

        var done = 0;
        for (var run = 0; run < runs && (budget is null || clock.Elapsed < budget); run++, done++)
        {
            var started = Stopwatch.StartNew();
            using var app = await StartAppAsync();
            starts.Add(started.Elapsed.TotalSeconds);
            log(string.Create(CultureInfo.InvariantCulture, $"progress: run {run} started in {starts[^1]:F1} s ({clock.Elapsed.TotalMinutes:F1} min so far)"));
            try
            {
                if (!loggedIn)
                {
                    await page.GotoAsync($"{app.Origin}/account/login");
                    await page.Locator("#consent-accept").ClickAsync();
                    await page.Locator("#username").FillAsync("analyst");
                    await page.Locator("#password").FillAsync(password);
                    await page.Locator("#login-submit").ClickAsync();
                    await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
                    loggedIn = true;
                }

                await page.GotoAsync(sessionId is { } id ? $"{app.Origin}/chat/{id}" : $"{app.Origin}/chat");
                await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
                sessionId ??= await chat.CreateSessionAsync();

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
                log($"run {run}: UI step failed before the kill: {ex.Message.Split('\n')[0]}");
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
        await using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "axworkbench.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        return new ChatCrashLoopResult(
            done, seed, clock.Elapsed.TotalSeconds, failures, acknowledged,
            await ListAsync(db, "SELECT Content FROM ChatMessages WHERE Role = 'User'"),
            await ScalarAsync(db, "PRAGMA integrity_check;"),
            long.Parse(await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages u WHERE u.Role = 'User' AND NOT EXISTS (SELECT 1 FROM ChatMessages a WHERE a.ParentId = u.Id AND a.Role = 'Assistant')"), CultureInfo.InvariantCulture),
            long.Parse(await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Generating'"), CultureInfo.InvariantCulture),
            long.Parse(await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Interrupted'"), CultureInfo.InvariantCulture),
            long.Parse(await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Interrupted' AND length(Content) > 0"), CultureInfo.InvariantCulture),
            long.Parse(await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Status = 'Interrupted' AND CompletionTokens > 0 AND length(Content) = 0"), CultureInfo.InvariantCulture),
            long.Parse(await ScalarAsync(db, "SELECT COUNT(*) FROM ChatMessages WHERE Role = 'Assistant' AND Status = 'Complete'"), CultureInfo.InvariantCulture),
            starts);
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
        start.Environment["Data__DataDirectory"] = dataDirectory;
        start.Environment["Demo__Enabled"] = "true";
        start.Environment["Demo__Password"] = password;
        start.Environment["Markings__Scheme"] = "Us";
        start.Environment["Conversations__FlushIntervalMs"] = "200";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log("app stderr: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, $"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the app exited with {process.ExitCode} while starting");
            }
            if (deadline.Elapsed > _startTimeout)
            {
                app.Dispose();
                throw new TimeoutException($"the app did not become healthy within {_startTimeout.TotalSeconds:F0} s");
            }
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

    /// <summary>src/AxWorkbench.Web/bin/{Release|Debug}/net10.0/AxWorkbench.Web.dll, the configuration of the caller's build.</summary>
    public static string WebAppDll()
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

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
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
