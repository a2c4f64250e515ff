using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.E2E.Chat;
using Microsoft.Playwright;

namespace AxWorkbench.Benchmarks.Crash;

/// <summary>
/// `crash [--runs 200] [--seed S] [--budget-minutes M] [--out FILE]`: the E2E crash test's loop (<see cref="ChatCrashLoop"/>, linked from
/// tests/AxWorkbench.E2E) at benchmark length: the real app (src/AxWorkbench.Web, Release, built first) started,
/// a prompt sent through Debian's chromium, SIGKILL at a random moment of the stream, N times; then the database is read.
/// Reports acknowledged vs stored turns (lost must be 0), integrity_check, interrupted/complete answers, start times.
/// Exit 0 only when nothing acknowledged was lost, nothing is left generating and the file is intact.
/// </summary>
public static class CrashBenchmark
{
    private const string ChromiumPath = "/usr/lib/chromium/chromium";
    private const string Password = "Crash-Bench-Password-2026!";

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = int.Parse(Arg(args, "--runs", "200"), CultureInfo.InvariantCulture);
        var seed = int.Parse(Arg(args, "--seed", Environment.TickCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var outFile = Arg(args, "--out", "crash-benchmark.json");
        var budgetMinutes = double.Parse(Arg(args, "--budget-minutes", "0"), CultureInfo.InvariantCulture);
        if (!File.Exists(ChromiumPath))
        {
            await Console.Error.WriteLineAsync($"{ChromiumPath} is missing: apt-get install -y chromium.");
            return 2;
        }
        var data = Path.Combine(Path.GetTempPath(), "axwb-crash-bench-" + Guid.NewGuid().ToString("N"));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        var uiFailures = new List<string>();
        ChatCrashLoopResult result;
        try
        {
            result = await new ChatCrashLoop(browser, data, Password, line =>
            {
                if (line.StartsWith("progress:", StringComparison.Ordinal))
                {
                    Console.WriteLine(line);
                }
                else if (!line.StartsWith("app stderr:", StringComparison.Ordinal))
                {
                    uiFailures.Add(line);
                    Console.WriteLine(line);
                }
            }, TimeSpan.FromMinutes(5)).RunAsync(runs, seed, budgetMinutes > 0 ? TimeSpan.FromMinutes(budgetMinutes) : null);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        Console.WriteLine(result.Summary);
        var starts = result.StartSeconds.Order().ToArray();
        // A partial run (budget) still checks everything it did; the figure of record is the full 200.
        var passed = result.Integrity == "ok" && result.Lost.Count == 0 && result.Generating == 0 && result.Orphans == 0 && result.FlushedButEmpty == 0;
        var report = new JsonObject
        {
            ["benchmark"] = "crash",
            ["command"] = "dotnet build src/AxWorkbench.Web -c Release && dotnet run -c Release --project tests/AxWorkbench.Benchmarks -- crash " + string.Join(' ', args),
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
            ["runsPlanned"] = runs,
            ["runs"] = result.Runs,
            ["stoppedBy"] = result.Runs < runs ? $"--budget-minutes {budgetMinutes.ToString(CultureInfo.InvariantCulture)} (the shared machine was loaded)" : "runs",
            ["seed"] = result.Seed,
            ["seconds"] = Math.Round(result.Seconds, 1),
            ["uiFailures"] = result.UiFailures,
            ["acknowledgedTurns"] = result.Acknowledged.Count,
            ["storedUserTurns"] = result.StoredUserTurns.Count,
            ["lostAcknowledgedTurns"] = result.Lost.Count,
            ["userTurnsWithoutAnswerRow"] = result.Orphans,
            ["answersInterrupted"] = result.Interrupted,
            ["answersInterruptedWithText"] = result.InterruptedWithText,
            ["answersFlushedButEmpty"] = result.FlushedButEmpty,
            ["answersComplete"] = result.Complete,
            ["answersLeftGenerating"] = result.Generating,
            ["integrityCheck"] = result.Integrity,
            ["startSecondsP50"] = Math.Round(Stats.Percentile(starts, 0.5), 2),
            ["startSecondsP95"] = Math.Round(Stats.Percentile(starts, 0.95), 2),
            ["passed"] = passed,
            ["uiFailureLines"] = new JsonArray([.. uiFailures.Take(20).Select(l => (JsonNode?)JsonValue.Create(l))]),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        await File.WriteAllTextAsync(outFile, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {outFile}");
        return passed ? 0 : 1;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
