using System.Collections.Concurrent;

namespace AxWorkbench.Load;

/// <summary>What happened to one prompt.</summary>
public enum AnswerOutcome
{
    Completed,
    Busy,
    Error,
}

/// <summary>One prompt: when it was sent (seconds since the run began), its outcome and, when text arrived, time to first text.</summary>
public sealed record AnswerEvent(int Analyst, double AtSeconds, bool Grounded, AnswerOutcome Outcome, bool ToldQueuePosition, double? FirstTokenMs, double? TotalMs, string? Error);

/// <summary>One click of the navigating user: page, click to new content in ms (measured in the page).</summary>
public sealed record NavigationEvent(double AtSeconds, string Page, double? Milliseconds, string? Error);

/// <summary>The server process' memory, handles and threads at one moment.</summary>
public sealed record ServerSample(double AtSeconds, double WorkingSetMb, int Handles, int Analysts, long WalBytes = 0, long LogBytes = 0, int Threads = 0);

/// <summary>Everything a run collects, from every analyst's task.</summary>
public sealed class LoadEvents
{
    public ConcurrentQueue<AnswerEvent> Answers { get; } = new();

    /// <summary>The analysts' browser processes by scheduling policy and niceness, once all are logged in (empty when not wrapped).</summary>
    public SortedDictionary<string, int> ClientScheduling { get; set; } = [];

    public ConcurrentQueue<NavigationEvent> Navigations { get; } = new();

    public ConcurrentQueue<ServerSample> Samples { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();
}

public static class Percentiles
{
    /// <summary>The p-th percentile (0..1), interpolated; null for no values.</summary>
    public static double? Of(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }
        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return Math.Round(sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo)), 1);
    }
}
