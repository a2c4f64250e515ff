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
            ["client"] = "Playwright pages (one browser context per user) in Debian's chromium; every analyst is a real Blazor Server circuit",
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
            ["breaksAt"] = breaksAt,
            ["steps"] = steps,
            ["errorLines"] = new JsonArray([.. events.Errors.Take(50).Select(e => (JsonNode?)JsonValue.Create(e))]),
            ["samples"] = new JsonArray([.. all.Select(s => (JsonNode?)new JsonObject
            {
                ["t"] = s.AtSeconds, ["workingSetMb"] = s.WorkingSetMb, ["handles"] = s.Handles, ["analysts"] = s.Analysts,
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
}
