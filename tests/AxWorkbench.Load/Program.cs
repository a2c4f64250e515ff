using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Load;

// AxWorkbench load generator (issue 16). N analysts, each a real Blazor Server circuit in a Playwright page of Debian's
// chromium, chat (plain and grounded on the demo library) while one more user clicks through Documents, Libraries,
// Review and the model page. Usage:
//   dotnet build src/AxWorkbench.Web -c Release && dotnet run -c Release --project tests/AxWorkbench.Load -- \
//     --analysts 16 --minutes 2 --out tests/AxWorkbench.Load/results/16-analysts.json
//   [--ramp --step 8 --step-minutes 1 --max-analysts 64]  adds --step analysts each step until something breaks
//   [--max-tokens 64] [--web PATH/AxWorkbench.Web.dll] [--sample-seconds 5] [--server-setting --Key=Value ...]
//   [--clients-nice 19]  the analysts' browser started at that niceness (chromium puts its renderers back to 0: see the report's clientScheduling)
//   [--clients-idle]     the analysts' browser under SCHED_IDLE: it runs on what the server leaves (the navigator's browser runs at normal priority)
var options = LoadOptions.Parse(args);
if (options is null)
{
    return 2;
}
if (!File.Exists(options.Web))
{
    await Console.Error.WriteLineAsync($"--web: {options.Web} does not exist; build it first (dotnet build src/AxWorkbench.Web -c Release).");
    return 2;
}
const string ChromiumPath = "/usr/lib/chromium/chromium";
if (!File.Exists(ChromiumPath))
{
    await Console.Error.WriteLineAsync($"{ChromiumPath} is missing: apt-get install -y chromium (never `playwright install`).");
    return 2;
}

const string Password = "Load-Test-Password-2026!";
var total = options.Ramp ? options.MaxAnalysts : options.Analysts;
var events = new LoadEvents();
var clock = Stopwatch.StartNew();
await using var server = new LoadServer(options.Web, options.ServerSettings);
// The demo users and briefs are seeded on a fresh database, so the server starts first; the operator then adds the
// load users with the command line while it runs. The first command after start makes the roles; the rest run two at a time.
await server.StartAsync(Password);
Console.WriteLine($"server {server.Origin} (pid {server.ProcessId}) healthy after {clock.Elapsed.TotalSeconds:F0} s; making {total + 1} users with the operator command line...");
await server.AddUserAsync("load-navigator", Password, ["Admin", "Supervisor", "Analyst"], "SECRET//NOFORN");
await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) =>
    await server.AddUserAsync($"load-analyst-{i}", Password, ["Analyst"], "SECRET//NOFORN"));

using var playwright = await Playwright.CreateAsync();
// The navigator has a browser of its own. With --clients-nice N the analysts' browser runs at that niceness: on a site
// each analyst's browser is on a machine of its own, so here their rendering should not take the cores from the server
// (nor from the navigator's page, whose click-to-content time is measured in the page).
// Chromium sets its own processes' niceness (renderers back to 0, the browser's display threads to -8 when it may), so
// nice alone does not hold: --clients-idle runs the analysts' browser under SCHED_IDLE (chrt --idle), which chromium's
// setpriority calls do not change and every child inherits; the report's clientScheduling shows what they ran at.
var analystChromium = ChromiumPath;
var analystBrowserPidFile = Path.Combine(Path.GetTempPath(), $"axwb-load-chromium-{Environment.ProcessId}.pid");
if ((options.ClientsNice != 0 || options.ClientsIdle) && !OperatingSystem.IsWindows())
{
    analystChromium = Path.Combine(Path.GetTempPath(), $"axwb-load-chromium-{Environment.ProcessId}.sh");
    var wrap = (options.ClientsIdle ? "chrt --idle 0 " : "") + (options.ClientsNice != 0 ? $"nice -n {options.ClientsNice} " : "");
    await File.WriteAllTextAsync(analystChromium, $"#!/bin/sh\necho $$ > {analystBrowserPidFile}\nexec {wrap}{ChromiumPath} \"$@\"\n");
    File.SetUnixFileMode(analystChromium, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = analystChromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
});
await using var navigatorBrowser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
});
var navigator = new Navigator("load-navigator", Password, events, clock);
var navigatorPage = await navigator.OpenAsync(navigatorBrowser, server.Origin);
await Navigator.WaitForDemoLibraryAsync(navigatorPage);
var baseline = server.Sample();
Console.WriteLine($"demo library ready; server at {baseline.WorkingSetMb} MB with the navigator's circuit");

using var cancel = new CancellationTokenSource();
var analysts = new List<(Analyst Analyst, Task Task)>();
var activeAnalysts = 0;
var sampler = Task.Run(async () =>
{
    while (!cancel.IsCancellationRequested)
    {
        var (mb, handles, threads) = server.Sample();
        events.Samples.Enqueue(new ServerSample(Math.Round(clock.Elapsed.TotalSeconds, 1), mb, handles, Volatile.Read(ref activeAnalysts), server.WalBytes, server.LogBytes, threads));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.SampleSeconds), cancel.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
});

var steps = new JsonArray();
double? idleCircuitMb = null;
var runStarted = clock.Elapsed.TotalSeconds;
string? breaksAt = null;
if (!options.Ramp)
{
    var deadline = DateTime.UtcNow.AddMinutes(options.Minutes) + TimeSpan.FromMinutes(5); // login time; the prompts' own deadline is set below
    var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    for (var i = 0; i < options.Analysts; i++)
    {
        var analyst = new Analyst(i, grounded: i % 2 == 1, $"load-analyst-{i}", Password, events, clock, options.MaxTokens) { StartSignal = start, FailureFolder = options.Out + ".failures" };
        analysts.Add((analyst, Task.Run(() => analyst.RunAsync(browser, server.Origin, deadline, cancel.Token))));
    }
    await Task.WhenAll(analysts.Select(a => a.Analyst.Ready.Task));
    activeAnalysts = analysts.Count(a => a.Analyst.LoggedIn);
    await Task.Delay(TimeSpan.FromSeconds(options.SampleSeconds));
    var idle = server.Sample();
    idleCircuitMb = idle.WorkingSetMb - baseline.WorkingSetMb;
    Console.WriteLine($"{activeAnalysts} of {options.Analysts} analysts logged in with a chat open: server {idle.WorkingSetMb} MB ({idleCircuitMb * 1024 / Math.Max(1, activeAnalysts):F0} KB per idle circuit)");
    events.ClientScheduling = ClientScheduling.Describe(analystBrowserPidFile);
    if (events.ClientScheduling.Count > 0)
    {
        Console.WriteLine($"analysts' browser processes: {string.Join(", ", events.ClientScheduling.Select(p => $"{p.Value} at {p.Key}"))}");
    }
    runStarted = clock.Elapsed.TotalSeconds;
    var navigation = navigator.RunAsync(navigatorPage, DateTime.UtcNow.AddMinutes(options.Minutes), cancel.Token);
    start.TrySetResult();
    await Task.Delay(TimeSpan.FromMinutes(options.Minutes));
    await cancel.CancelAsync();
    await Task.WhenAll(analysts.Select(a => a.Task).Append(navigation).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
}
else
{
    var navigation = navigator.RunAsync(navigatorPage, DateTime.MaxValue, cancel.Token);
    var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    start.TrySetResult();
    for (var count = options.Step; count <= options.MaxAnalysts && breaksAt is null; count += options.Step)
    {
        for (var i = analysts.Count; i < count; i++)
        {
            var analyst = new Analyst(i, grounded: i % 2 == 1, $"load-analyst-{i}", Password, events, clock, options.MaxTokens) { StartSignal = start, FailureFolder = options.Out + ".failures" };
            analysts.Add((analyst, Task.Run(() => analyst.RunAsync(browser, server.Origin, DateTime.MaxValue, cancel.Token))));
        }
        activeAnalysts = count;
        var from = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromMinutes(options.StepMinutes));
        var step = LoadReport.Window(events, count, from, clock.Elapsed.TotalSeconds);
        events.ClientScheduling = ClientScheduling.Describe(analystBrowserPidFile);
        steps.Add(step);
        Console.WriteLine(step.ToJsonString());
        var navP95 = step["navigationP95Ms"]?.GetValue<double?>();
        var firstP95 = step["firstTokenP95Ms"]?.GetValue<double?>();
        if (step["errors"]!.GetValue<int>() > 0 || navP95 > 500 || firstP95 > 30_000)
        {
            breaksAt = string.Create(CultureInfo.InvariantCulture,
                $"{count} analysts: errors {step["errors"]}, navigation p95 {navP95} ms, first text p95 {firstP95} ms");
        }
    }
    await cancel.CancelAsync();
    await Task.WhenAll(analysts.Select(a => a.Task).Append(navigation).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
}
await cancel.CancelAsync();
await sampler;

var report = LoadReport.Build(events, options, total, Math.Max(1, options.Ramp ? total : activeAnalysts), runStarted, clock.Elapsed.TotalSeconds, idleCircuitMb, baseline.WorkingSetMb, steps, breaksAt, args);
report["serverFailureLines"] = new JsonArray([.. server.FailureLines.Select(l => (JsonNode?)JsonValue.Create(l))]);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Out))!);
await File.WriteAllTextAsync(options.Out, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Split("\"answers\"")[0]);
Console.WriteLine($"wrote {options.Out}");
return 0;
