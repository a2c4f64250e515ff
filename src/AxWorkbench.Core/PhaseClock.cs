using System.Diagnostics;

namespace AxWorkbench.Core;

/// <summary>
/// Times a piece of work phase by phase for the "slow ..." warnings: each <see cref="Lap"/> returns the milliseconds
/// since the previous one (or the start), and <see cref="Elapsed"/> the whole so far. A local, never shared.
/// </summary>
internal struct PhaseClock
{
    private readonly long _start;
    private long _last;

    private PhaseClock(long now) => _start = _last = now;

    public static PhaseClock Start() => new(Stopwatch.GetTimestamp());

    /// <summary>Milliseconds since the previous lap (or the start).</summary>
    public double Lap()
    {
        var now = Stopwatch.GetTimestamp();
        var milliseconds = Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds;
        _last = now;
        return milliseconds;
    }

    public readonly TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);
}
