using System.Diagnostics;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Switching the served weights without a restart: drain → swap → resume. While a switch is pending new requests are
/// refused; running and queued ones drain until the deadline and are then failed with a message saying why; once
/// nothing is generating, queued or being submitted, the loop drops the old weights and loads the new ones (or the
/// old ones back when the new file will not load).
/// </summary>
internal sealed class HotSwap
{
    private SwapRequest? _pending;
    private int _submitsInFlight;

    /// <summary>A switch asked for and not yet done.</summary>
    public SwapRequest? Pending => Volatile.Read(ref _pending);

    /// <summary>A submit tokenizes with the current weights: the swap waits for it. Pair with <see cref="SubmitEnded"/>.</summary>
    public void SubmitStarted() => Interlocked.Increment(ref _submitsInFlight);

    public void SubmitEnded() => Interlocked.Decrement(ref _submitsInFlight);

    /// <summary>False when another switch is already pending.</summary>
    public bool TryBegin(SwapRequest swap) => Interlocked.CompareExchange(ref _pending, swap, null) is null;

    /// <summary>Clears the pending switch and returns it (the loop stopped, or the switch is over).</summary>
    public SwapRequest? End() => Interlocked.Exchange(ref _pending, null);

    /// <summary>Due once nothing is generating, queued or being submitted; at the deadline, what still runs or waits is failed first.</summary>
    public bool IsDue(SwapRequest swap, RequestScheduler scheduler, DecodeStep step, LoadedModel? model)
    {
        if (scheduler.IsIdle && Volatile.Read(ref _submitsInFlight) == 0)
        {
            return true;
        }

        if (Stopwatch.GetTimestamp() < swap.DeadlineTicks)
        {
            return false;
        }

        var reason = new GenerationFailedException($"The administrator switched the model to '{Path.GetFileName(swap.Path)}' while this answer was being generated; it was stopped. Ask again.");
        step.FailAdmitted(model, reason);
        scheduler.FailWaiting(reason, dispose: true);
        return Volatile.Read(ref _submitsInFlight) == 0;
    }

    /// <summary>On the loop's thread with nothing in flight: disposes <paramref name="current"/>, loads the new file, or the old one back.</summary>
    public static SwapOutcome Replace(LoadedModel? current, SwapRequest swap, InferenceOptions options)
    {
        var oldPath = current?.Path;
        var mark = LlamaNative.Mark();
        current?.Dispose();
        try
        {
            return new SwapOutcome(LoadedModel.Load(swap.Path, swap.Header, options), swap.Header, mark, oldPath, null, null);
        }
#pragma warning disable CA1031 // a failed load must leave the engine serving the old model, never crash the process
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var failure = new ModelSwapException($"llama.cpp could not load '{swap.Path}': {ModelLoader.NativeReason(mark, ex)}. The previous model is served again.");
            if (oldPath is null)
            {
                return new SwapOutcome(null, null, mark, null, failure, null);
            }

            try
            {
                var header = ModelLoader.Validate(oldPath, options, strict: false).Header;
                return new SwapOutcome(LoadedModel.Load(oldPath, header, options), header, mark, oldPath, failure, null);
            }
#pragma warning disable CA1031
            catch (Exception again)
#pragma warning restore CA1031
            {
                return new SwapOutcome(null, null, mark, oldPath, failure, $"Switching to '{swap.Path}' failed and the previous model '{oldPath}' could not be loaded back: {again.Message}");
            }
        }
    }
}

/// <summary>A switch to <paramref name="Path"/> that must begin draining before <paramref name="DeadlineTicks"/> ends.</summary>
internal sealed record SwapRequest(string Path, GgufHeader? Header, long DeadlineTicks)
{
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What a switch left loaded (<paramref name="Model"/>: the new weights, or the old ones back when <paramref name="Failure"/> is set);
/// <paramref name="Fatal"/>: neither could be loaded.</summary>
internal sealed record SwapOutcome(LoadedModel? Model, GgufHeader? Header, long Mark, string? OldPath, ModelSwapException? Failure, string? Fatal);
