using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using AxWorkbench.E2E.Chat;
using AxWorkbench.Web.Cli;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Api;

/// <summary>
/// The split set-up, as an operator runs it: inference node A (the workbench with <c>/v1</c> on, one engine slot) and
/// web node B (<c>Inference:Provider = OpenAICompatible</c> → A's <c>/v1</c>, its key in a file), two real processes.
/// An analyst in Chromium on B chats with A's engine, hears A's queue position while A is busy, gets a clear failed
/// answer when A is killed while the analyst waits — B stays up — and chats again once A is back, without touching B.
/// </summary>
[Collection(WebNodeCollection.Name)]
public sealed partial class WebNodeOnInferenceNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "Web-Node-Test-Password-2026!";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "axworkbench-webnode-" + Guid.NewGuid().ToString("N"));
    private readonly int _aPort = ChatCrashLoop.FreePort();
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Node? _a;
    private Node? _b;
    private string _key = "";

    private string ADirectory => Path.Combine(_root, "a");

    private string KeyFile => Path.Combine(_root, "b.key");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        using var printed = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(["keys", "add", "web-node-b", "--clearance", "SECRET", "--unit", "J2", "--requests-per-minute", "10000"],
            printed, error, new Dictionary<string, string?> { ["Data:DataDirectory"] = ADirectory, ["Markings:Scheme"] = "Us" });
        Assert.True(exit == 0, "keys add failed: " + error);
        _key = SecretLine().Match(printed.ToString()).Groups[1].Value;
        await File.WriteAllTextAsync(KeyFile, _key + "\n");

        _a = await StartAAsync();
        _b = await Node.StartAsync("b", output, ChatCrashLoop.FreePort(), new Dictionary<string, string>
        {
            ["Data__DataDirectory"] = Path.Combine(_root, "b"),
            ["Demo__Enabled"] = "true",
            ["Demo__Password"] = Password,
            ["Demo__Briefs"] = "false",
            ["Inference__Provider"] = "OpenAICompatible",
            ["Inference__Remote__Endpoint"] = $"http://127.0.0.1:{_aPort}/v1",
            ["Inference__Remote__Model"] = await ModelIdAsync(),
            ["Inference__Remote__ApiKeyFile"] = KeyFile,
            ["Inference__Remote__ProbeIntervalSeconds"] = "1",
            ["Inference__Remote__Retries"] = "0",
        });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Infrastructure.WorkbenchFixture.ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    [Fact]
    public async Task WebNode_AnalystChatsOnB_WithAsEngineAndQueue_ThenADiesAndReturns_BStaysUp()
    {
        // The admin's model page on B names the inference server it uses.
        var admin = await _browser!.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        admin.SetDefaultTimeout(60_000);
        var adminPage = await LogInAsync(admin, "admin");
        await adminPage.GotoAsync($"{_b!.Origin}/admin/model");
        await Expect(adminPage.GetByText($"http://127.0.0.1:{_aPort}/v1").First).ToBeVisibleAsync();
        await Screenshot(adminPage, "webnode-model-page");
        await admin.CloseAsync();

        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        var page = await LogInAsync(context, "analyst");
        var chat = new ChatPageModel(page);

        // 1. An answer streamed from A's engine, shown complete on B.
        await page.GotoAsync($"{_b.Origin}/chat");
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await chat.CreateSessionAsync();
        await chat.SetMaxTokensAsync(24);
        await chat.SendAsync("Report the convoy position.");
        await Expect(chat.LastAnswer).ToHaveAttributeAsync("data-status", "complete");
        Assert.NotEmpty((await chat.LastAnswer.Locator("[data-testid=model-output]").TextContentAsync() ?? "").Trim());
        await Screenshot(page, "webnode-answer-from-a");

        // 2. Another tool holds A's one slot: the analyst on B (whose own slots are free) hears A's queue.
        using var holder = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_aPort}/") };
        using var hold = await HoldAsync(holder);
        await chat.SendAsync("And the second convoy?");
        await Expect(page.GetByTestId("queue-position")).ToHaveTextAsync(new Regex("position 1 in the queue"));
        await Screenshot(page, "webnode-queued-at-a");

        // 3. A dies while the analyst waits: a failed answer that names the inference server; B keeps serving.
        _a!.Kill();
        await Expect(chat.LastAnswer).ToHaveAttributeAsync("data-status", "failed");
        await Expect(chat.LastAnswer).ToContainTextAsync("inference server");
        await Screenshot(page, "webnode-a-killed");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal("Degraded", await WaitForHealthAsync(http, "Degraded"));

        // 4. A returns; B notices by itself and the analyst's next prompt is answered.
        _a = await StartAAsync();
        Assert.Equal("Healthy", await WaitForHealthAsync(http, "Healthy"));
        await chat.SendAsync("Report again.");
        await Expect(chat.LastAnswer).ToHaveAttributeAsync("data-status", "complete");
        await Screenshot(page, "webnode-a-returned");
        await context.CloseAsync();
    }

    private async Task<IPage> LogInAsync(IBrowserContext context, string user)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{_b!.Origin}/account/login");
        await page.Locator("#consent-accept").ClickAsync();
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        return page;
    }

    private async Task<Node> StartAAsync() => await Node.StartAsync("a", output, _aPort, new Dictionary<string, string>
    {
        ["Data__DataDirectory"] = ADirectory,
        ["Demo__Enabled"] = "false",
        ["Api__Enabled"] = "true",
        ["Api__MaxTokens"] = "4000",
        ["Inference__MaxParallelSequences"] = "1",
        ["Inference__MaxQueueLength"] = "4",
    });

    private async Task<string> ModelIdAsync()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_aPort}/v1/models");
        request.Headers.Authorization = new("Bearer", _key);
        using var response = await http.SendAsync(request);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
    }

    /// <summary>A long streaming answer straight on A's /v1 that holds its one engine slot until A dies.</summary>
    private async Task<HttpResponseMessage> HoldAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"{{await ModelIdAsync()}}","stream":true,"max_tokens":4000,"messages":[{"role":"user","content":"Write a long report."}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", _key);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private async Task<string> WaitForHealthAsync(HttpClient http, string wanted)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                last = await http.GetStringAsync(new Uri($"{_b!.Origin}/healthz"));
            }
            catch (HttpRequestException ex) when (ex.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                last = "Unhealthy";
            }

            if (last.Contains(wanted, StringComparison.Ordinal))
            {
                return wanted;
            }

            await Task.Delay(200);
        }

        return last;
    }

    private static async Task Screenshot(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    [GeneratedRegex(@"Key \(shown once\): (\S+)")]
    private static partial Regex SecretLine();

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _b?.Kill();
        _a?.Kill();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>One workbench process (the web app's executable), started in the Testing environment.</summary>
    private sealed class Node(Process process, string origin)
    {
        public string Origin { get; } = origin;

        public static async Task<Node> StartAsync(string name, ITestOutputHelper output, int port, Dictionary<string, string> settings)
        {
            var dll = ChatCrashLoop.WebAppDll();
            var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
            start.Environment["Markings__Scheme"] = "Us";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            foreach (var (key, value) in settings)
            {
                start.Environment[key] = value;
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine($"node {name} stderr: {e.Data}"); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var node = new Node(process, $"http://127.0.0.1:{port}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(process.HasExited, $"node {name} exited with {(process.HasExited ? process.ExitCode : 0)} while starting");
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"node {name} did not answer /healthz within 3 minutes");
                try
                {
                    using var response = await http.GetAsync(new Uri($"{node.Origin}/healthz"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return node;
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

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebNodeCollection
{
    public const string Name = "Web node on an inference node";
}
