using System.Diagnostics;
using System.Globalization;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Where the loop's time went since the last reset, summed over steps: building the batch, the native decode, sampling,
/// emitting (token pieces, stop sequences, channel writes), admission and cancellation, and waiting for work; plus the
/// loop thread's CPU time and the time it was runnable but not running (from the kernel's schedstat, Linux only), which
/// stay meaningful on a machine other processes load.
/// </summary>
public sealed record EngineProfile(
    long Steps,
    long Tokens,
    long SequenceSteps,
    double BuildMicros,
    double DecodeMicros,
    double SampleMicros,
    double EmitMicros,
    double ScheduleMicros,
    double WaitMicros,
    double ThreadCpuMicros,
    double ThreadRunnableMicros)
{
    /// <summary>The counters' difference <c>this - earlier</c>.</summary>
    public EngineProfile Since(EngineProfile earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new EngineProfile(
            Steps - earlier.Steps,
            Tokens - earlier.Tokens,
            SequenceSteps - earlier.SequenceSteps,
            BuildMicros - earlier.BuildMicros,
            DecodeMicros - earlier.DecodeMicros,
            SampleMicros - earlier.SampleMicros,
            EmitMicros - earlier.EmitMicros,
            ScheduleMicros - earlier.ScheduleMicros,
            WaitMicros - earlier.WaitMicros,
            ThreadCpuMicros - earlier.ThreadCpuMicros,
            ThreadRunnableMicros - earlier.ThreadRunnableMicros);
    }
}

/// <summary>The loop's accumulators; written on the loop thread only, read (possibly mid-step) by <see cref="Snapshot"/>.</summary>
internal sealed class StepProfile
{
    private long _steps;
    private long _tokens;
    private long _sequenceSteps;
    private long _build;
    private long _decode;
    private long _sample;
    private long _emit;
    private long _schedule;
    private long _wait;
    private string? _schedstatPath;

    /// <summary>Called on the loop thread when it starts: remembers which kernel thread it is.</summary>
    public void BindToCurrentThread() => _schedstatPath = ThreadSchedstat.CurrentThreadPath();

    public void Step(long build, long decode, int sequences)
    {
        _steps++;
        _sequenceSteps += sequences;
        _build += build;
        _decode += decode;
    }

    public void Sampled(long ticks) => _sample += ticks;

    public void Emitted(long ticks, int tokens)
    {
        _emit += ticks;
        _tokens += tokens;
    }

    public void Scheduled(long ticks) => _schedule += ticks;

    public void Waited(long ticks) => _wait += ticks;

    public EngineProfile Snapshot()
    {
        var (cpu, runnable) = ThreadSchedstat.Read(_schedstatPath);
        return new EngineProfile(
            Volatile.Read(ref _steps),
            Volatile.Read(ref _tokens),
            Volatile.Read(ref _sequenceSteps),
            Micros(Volatile.Read(ref _build)),
            Micros(Volatile.Read(ref _decode)),
            Micros(Volatile.Read(ref _sample)),
            Micros(Volatile.Read(ref _emit)),
            Micros(Volatile.Read(ref _schedule)),
            Micros(Volatile.Read(ref _wait)),
            cpu,
            runnable);
    }

    public static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}

/// <summary>A thread's CPU time and runnable-but-waiting time from /proc (Linux); zeros elsewhere.</summary>
public static class ThreadSchedstat
{
    /// <summary>/proc/self/task/&lt;tid&gt;/schedstat of the calling thread, or null where there is none.</summary>
    public static string? CurrentThreadPath()
    {
        try
        {
            var target = Directory.ResolveLinkTarget("/proc/thread-self", returnFinalTarget: false)?.FullName;
            var tid = target is null ? null : Path.GetFileName(target);
            return tid is not null && File.Exists($"/proc/self/task/{tid}/schedstat") ? $"/proc/self/task/{tid}/schedstat" : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>(CPU µs, runnable-waiting µs) of the thread whose schedstat is <paramref name="path"/>.</summary>
    public static (double CpuMicros, double RunnableMicros) Read(string? path)
    {
        if (path is null)
        {
            return (0, 0);
        }

        try
        {
            var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (long.Parse(parts[0], CultureInfo.InvariantCulture) / 1000.0, long.Parse(parts[1], CultureInfo.InvariantCulture) / 1000.0);
        }
        catch (IOException)
        {
            return (0, 0);
        }
        catch (FormatException)
        {
            return (0, 0);
        }
    }
}
