using System.Text.Json.Nodes;

namespace AxWorkbench.Load;

/// <summary>The JSON report: the fields first, then the samples over time, and every prompt and click.</summary>
public static class LoadReport
{
    public static JsonObject Window(LoadEvents events, int analysts, double from, double to)
    {
        var answers = events.Answers.Where(a => a.AtSeconds >= from && a.AtSeconds < to).ToList();
        var navigations = events.Navigations.Where(n => n.AtSeconds >= from && n.AtSeconds < to).ToList();
        var samples = events.Samples.Where(s => s.AtSeconds >= from && s.AtSeconds < to).ToList();
        return new JsonObject
        {
            ["analysts"] = analysts,
            ["fromSeconds"] = Math.Round(from, 1),
            ["toSeconds"] = Math.Round(to, 1),
            ["answersSent"] = answers.Count,
            ["answersCompleted"] = answers.Count(a => a.Outcome == AnswerOutcome.Completed),
            ["busyAnswers"] = answers.Count(a => a.Outcome == AnswerOutcome.Busy || a.ToldQueuePosition),
            ["errors"] = answers.Count(a => a.Outcome == AnswerOutcome.Error) + navigations.Count(n => n.Error is not null),
            ["firstTokenP50Ms"] = Percentiles.Of(answers.Where(a => a.FirstTokenMs is not null).Select(a => a.FirstTokenMs!.Value), 0.5),
            ["firstTokenP95Ms"] = Percentiles.Of(answers.Where(a => a.FirstTokenMs is not null).Select(a => a.FirstTokenMs!.Value), 0.95),
            ["navigationP50Ms"] = Percentiles.Of(navigations.Where(n => n.Milliseconds is not null).Select(n => n.Milliseconds!.Value), 0.5),
            ["navigationP95Ms"] = Percentiles.Of(navigations.Where(n => n.Milliseconds is not null).Select(n => n.Milliseconds!.Value), 0.95),
            ["serverPeakWorkingSetMb"] = samples.Count == 0 ? null : samples.Max(s => s.WorkingSetMb),
        };
    }

    public static JsonObject Build(LoadEvents events, LoadOptions options, int analysts, int loggedIn, double runStarted, double runEnded, double? idleCircuitsMb,
        double baselineMb, JsonArray steps, string? breaksAt, string[] args)
    {
        // From the start: an analyst who could not log in is an error too.
        var window = Window(events, analysts, 0, double.MaxValue);
        var all = events.Samples.ToList();
        var report = new JsonObject
        {
            ["command"] = "dotnet build src/AxWorkbench.Web -c Release && dotnet run -c Release --project tests/AxWorkbench.Load -- " + string.Join(' ', args),
            ["client"] = "Playwright pages (one browser context per user) in Debian's chromium; every analyst is a real Blazor Server circuit; the navigator in a browser of its own"
                + (options.ClientsNice != 0 ? $"; the analysts' browser started at nice {options.ClientsNice}" : "")
                + (options.ClientsIdle ? "; the analysts' browser under SCHED_IDLE (on a site each browser has a machine of its own)" : ""),
            ["clientScheduling"] = new JsonObject([.. events.ClientScheduling.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
            ["analysts"] = analysts,
            ["analystsLoggedIn"] = loggedIn,
            ["promptsFromSeconds"] = Math.Round(runStarted, 1),
            ["minutes"] = options.Ramp ? null : options.Minutes,
            ["maxTokens"] = options.MaxTokens,
            ["answersSent"] = window["answersSent"]!.DeepClone(),
            ["answersCompleted"] = window["answersCompleted"]!.DeepClone(),
            ["busyAnswers"] = window["busyAnswers"]!.DeepClone(),
            ["errors"] = window["errors"]!.DeepClone(),
            ["firstTokenP50Ms"] = window["firstTokenP50Ms"]?.DeepClone(),
            ["firstTokenP95Ms"] = window["firstTokenP95Ms"]?.DeepClone(),
            ["navigationP50Ms"] = window["navigationP50Ms"]?.DeepClone(),
            ["navigationP95Ms"] = window["navigationP95Ms"]?.DeepClone(),
            ["serverPeakWorkingSetMb"] = all.Count == 0 ? null : all.Max(s => s.WorkingSetMb),
            ["serverBaselineWorkingSetMb"] = baselineMb,
            ["perCircuitKb"] = idleCircuitsMb is { } mb ? Math.Round(mb * 1024 / loggedIn, 0) : null,
            ["perCircuitNote"] = "server RSS with every analyst logged in and a chat open (idle), minus RSS before, divided by the analysts logged in; includes GC slack",
            ["groundedAnswersCompleted"] = events.Answers.Count(a => a.Grounded && a.Outcome == AnswerOutcome.Completed),
            ["navigations"] = events.Navigations.Count,
            ["peakHandles"] = all.Count == 0 ? null : all.Max(s => s.Handles),
            ["peakThreads"] = all.Count == 0 ? null : all.Max(s => s.Threads),
            ["soak"] = Soak(all, runStarted),
            // Every analyst sends a first prompt in the same second when the run starts (a worst case no site sees):
            // the same figures without that first minute.
            ["afterFirstMinute"] = options.Ramp ? null : Window(events, loggedIn, runStarted + 60, runEnded),
            ["breaksAt"] = breaksAt,
            ["steps"] = steps,
            ["errorLines"] = new JsonArray([.. events.Errors.Take(50).Select(e => (JsonNode?)JsonValue.Create(e))]),
            ["samples"] = new JsonArray([.. all.Select(s => (JsonNode?)new JsonObject
            {
                ["t"] = s.AtSeconds, ["workingSetMb"] = s.WorkingSetMb, ["handles"] = s.Handles, ["analysts"] = s.Analysts,
                ["walBytes"] = s.WalBytes, ["logBytes"] = s.LogBytes, ["threads"] = s.Threads,
            })]),
            ["answers"] = new JsonArray([.. events.Answers.OrderBy(a => a.AtSeconds).Select(a => (JsonNode?)new JsonObject
            {
                ["analyst"] = a.Analyst, ["t"] = Math.Round(a.AtSeconds, 1), ["grounded"] = a.Grounded, ["outcome"] = a.Outcome.ToString(),
                ["queued"] = a.ToldQueuePosition, ["firstTokenMs"] = a.FirstTokenMs, ["totalMs"] = a.TotalMs is { } t ? Math.Round(t, 0) : null, ["error"] = a.Error,
            })]),
        };
        _ = runEnded;
        return report;
    }

    /// <summary>
    /// Growth over the run after a warm-up (the first quarter of the prompting time, at least 2 minutes when the run is
    /// long enough): least-squares slope of RSS and of open handles, as percent of the warm level per hour; the write-ahead
    /// log's peak and last size; the server's log volume per hour.
    /// </summary>
    public static JsonObject? Soak(IReadOnlyList<ServerSample> all, double runStarted)
    {
        var prompting = all.Where(s => s.AtSeconds >= runStarted).ToList();
        if (prompting.Count < 4)
        {
            return null;
        }
        var span = prompting[^1].AtSeconds - prompting[0].AtSeconds;
        var warmUp = prompting[0].AtSeconds + Math.Min(Math.Max(span / 4, 120), span / 2);
        var warm = prompting.Where(s => s.AtSeconds >= warmUp).ToList();
        if (warm.Count < 3)
        {
            return null;
        }
        static double? PercentPerHour(IReadOnlyList<ServerSample> points, Func<ServerSample, double> value)
        {
            var meanT = points.Average(p => p.AtSeconds);
            var meanV = points.Average(value);
            var denominator = points.Sum(p => (p.AtSeconds - meanT) * (p.AtSeconds - meanT));
            if (denominator == 0 || meanV == 0)
            {
                return null;
            }
            var slopePerSecond = points.Sum(p => (p.AtSeconds - meanT) * (value(p) - meanV)) / denominator;
            return Math.Round(slopePerSecond * 3600 / meanV * 100, 2);
        }
        var hours = span / 3600;
        return new JsonObject
        {
            ["warmUpEndsAtSeconds"] = Math.Round(warmUp, 1),
            ["samplesAfterWarmUp"] = warm.Count,
            ["workingSetGrowthPercentPerHour"] = PercentPerHour(warm, s => s.WorkingSetMb),
            ["handlesGrowthPercentPerHour"] = PercentPerHour(warm, s => s.Handles),
            ["workingSetMbAfterWarmUp"] = warm[0].WorkingSetMb,
            ["workingSetMbAtEnd"] = warm[^1].WorkingSetMb,
            ["walPeakBytes"] = all.Max(s => s.WalBytes),
            ["walBytesAtEnd"] = all[^1].WalBytes,
            ["logBytesPerHour"] = hours <= 0 ? null : Math.Round((prompting[^1].LogBytes - prompting[0].LogBytes) / hours, 0),
            ["note"] = "growth: least-squares slope after the warm-up, as percent of the mean per hour; the log is what the server wrote to its console at its configured levels",
        };
    }
}
