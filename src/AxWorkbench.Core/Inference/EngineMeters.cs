using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The engine's figures: OpenTelemetry instruments on meter <see cref="InferenceEngine.MeterName"/> and the rolling
/// windows behind <see cref="EngineMetrics"/> (time to first token over the last 512 requests, tokens per second over
/// the last 5 seconds). Thread-safe.
/// </summary>
internal sealed class EngineMeters : IDisposable
{
    private const int TtftWindowSize = 512;
    private readonly Lock _lock = new();
    private readonly Meter _meter;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _ttft;
    private readonly Queue<double> _ttftWindow = new();
    private readonly Queue<(long Ticks, int Tokens)> _rateWindow = new();
    private long _totalTokens;
    private long _steps;

    public EngineMeters(Func<int> queueDepth, Func<int> activeSequences)
    {
        _meter = new Meter(InferenceEngine.MeterName);
        _tokens = _meter.CreateCounter<long>("ax.inference.tokens", "{token}", "Tokens generated.");
        _rejected = _meter.CreateCounter<long>("ax.inference.rejected", "{request}", "Requests answered busy.");
        _ttft = _meter.CreateHistogram<double>("ax.inference.time_to_first_token", "ms", "Time from submit to first token.");
        _meter.CreateObservableGauge("ax.inference.queue_depth", queueDepth, "{request}", "Requests waiting for a slot.");
        _meter.CreateObservableGauge("ax.inference.active_sequences", activeSequences, "{sequence}", "Generations in the batch.");
    }

    /// <summary>Decode steps run so far (one native decode call each).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    public void StepRan() => Interlocked.Increment(ref _steps);

    public void Rejected() => _rejected.Add(1);

    public void FirstToken(double milliseconds)
    {
        _ttft.Record(milliseconds);
        lock (_lock)
        {
            _ttftWindow.Enqueue(milliseconds);
            if (_ttftWindow.Count > TtftWindowSize)
            {
                _ttftWindow.Dequeue();
            }
        }
    }

    public void Generated(int tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        lock (_lock)
        {
            _totalTokens += tokens;
            var now = Stopwatch.GetTimestamp();
            _rateWindow.Enqueue((now, tokens));
            TrimRateWindow(now);
        }

        _tokens.Add(tokens);
    }

    public EngineMetrics Snapshot(int queueDepth, int activeSequences, long rejected, long completed)
    {
        double p50 = 0, p95 = 0, rate = 0;
        lock (_lock)
        {
            if (_ttftWindow.Count > 0)
            {
                var sorted = _ttftWindow.Order().ToArray();
                p50 = Percentile(sorted, 0.50);
                p95 = Percentile(sorted, 0.95);
            }

            TrimRateWindow(Stopwatch.GetTimestamp());
            if (_rateWindow.Count > 0)
            {
                var span = Stopwatch.GetElapsedTime(_rateWindow.Peek().Ticks).TotalSeconds;
                // At least 50 ms of span: a burst just recorded is a rate, not zero and not infinity.
                rate = _rateWindow.Sum(r => r.Tokens) / Math.Max(span, 0.05);
            }

            return new EngineMetrics(queueDepth, activeSequences, rate, p50, p95, _totalTokens, rejected, completed, Steps);
        }
    }

    /// <summary>Linear interpolation between the two nearest ranks of an ascending array; 0 when empty.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    private void TrimRateWindow(long now)
    {
        var limit = Stopwatch.Frequency * 5;
        while (_rateWindow.Count > 0 && now - _rateWindow.Peek().Ticks > limit)
        {
            _rateWindow.Dequeue();
        }
    }

    public void Dispose() => _meter.Dispose();
}
