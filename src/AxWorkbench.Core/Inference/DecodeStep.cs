using System.Diagnostics;
using LLama.Native;
using LLama.Sampling;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// One step of continuous batching, on the loop's thread: build a batch from the admitted sequences (one token per
/// generating sequence first, then prompt chunks, higher priority first, within the batch budget), run one native
/// decode, then sample each sequence's next token, cut at stop sequences, stream whole UTF-8 characters (in flushes at
/// most every <see cref="InferenceOptions.StreamFlushIntervalMs"/>), and finish sequences that are done.
/// </summary>
internal sealed class DecodeStep(RequestScheduler scheduler, PrefixCache prefixCache, EngineMeters meters, InferenceOptions options)
{
    private static readonly int[] Passes = [0, 1];
    private readonly long _flushTicks = Stopwatch.Frequency * options.StreamFlushIntervalMs / 1000;
    private readonly LLamaBatch _batch = new();
    private readonly List<(Sequence Seq, int LogitIndex, int Count)> _inBatch = [];
    private byte[] _piece = new byte[64];
    private int _generated;

    /// <summary>Where the loop's time goes (the benchmark's per-step profile).</summary>
    public StepProfile Profile { get; } = new();

    /// <summary>Runs one step if any sequence has tokens to decode and <paramref name="gate"/> opens; false when there was nothing to decode.</summary>
    public bool Run(LoadedModel model, IStepGate gate)
    {
        var t0 = Stopwatch.GetTimestamp();
        _inBatch.Clear();
        _batch.Clear();
        BuildBatch(scheduler.Slots, _batch, _inBatch, options.BatchSize);
        if (_batch.TokenCount == 0)
        {
            return false;
        }

        if (!gate.TryEnter())
        {
            return true;
        }

        var t1 = Stopwatch.GetTimestamp();
        var result = gate.Decode(model.Context.NativeHandle, _batch);
        Profile.Step(t1 - t0, Stopwatch.GetTimestamp() - t1, _inBatch.Count);
        meters.StepRan();
        if (result != DecodeResult.Ok)
        {
            foreach (var (seq, _, _) in _inBatch)
            {
                Finish(model, seq, new GenerationFailedException($"llama.cpp decode failed ({result}) for this request; other requests continue."));
            }

            return true;
        }

        foreach (var (seq, logitIndex, count) in _inBatch)
        {
            seq.Pos += count;
            if (seq.Pos == seq.PromptTokens && count > 1)
            {
                prefixCache.MaybeStore(seq, model);
            }

            if (logitIndex >= 0)
            {
                SampleNext(model, seq, logitIndex);
            }
        }

        CountGenerated();
        return true;
    }

    /// <summary>Fills <paramref name="batch"/> from <paramref name="slots"/>: pass 0 takes one token per generating sequence,
    /// pass 1 prompt chunks; each pass goes by priority; the batch holds at most <paramref name="budget"/> tokens.</summary>
    internal static void BuildBatch(Sequence?[] slots, LLamaBatch batch, List<(Sequence, int, int)> inBatch, int budget)
    {
        foreach (var seq in slots)
        {
            if (seq is not null)
            {
                seq.InBatch = false;
            }
        }

        foreach (var pass in Passes)
        {
            foreach (var priority in FairQueue<Sequence>.Priorities)
            {
                foreach (var seq in slots)
                {
                    if (seq is null || seq.InBatch || seq.Priority != priority)
                    {
                        continue;
                    }

                    var pending = seq.History.Count - seq.Pos;
                    var isPrefill = pending > 1;
                    if (pending <= 0 || (pass == 0) == isPrefill || budget <= 0)
                    {
                        continue;
                    }

                    var count = Math.Min(pending, budget);
                    var logitIndex = -1;
                    for (var i = 0; i < count; i++)
                    {
                        var pos = seq.Pos + i;
                        var last = pos == seq.History.Count - 1;
                        var index = batch.Add(seq.History[pos], pos, (LLamaSeqId)seq.SeqId, last);
                        if (last)
                        {
                            logitIndex = index;
                        }
                    }

                    budget -= count;
                    seq.InBatch = true;
                    inBatch.Add((seq, logitIndex, count));
                }
            }
        }
    }

    /// <summary>Adds this step's tokens to the metrics; also called before a stream completes, so a caller that saw its
    /// completion also sees its tokens counted.</summary>
    private void CountGenerated()
    {
        meters.Generated(_generated);
        _generated = 0;
    }

    /// <summary>Samples the next token of a sequence after a decode.</summary>
    private void SampleNext(LoadedModel model, Sequence seq, int logitIndex)
    {
        var t0 = Stopwatch.GetTimestamp();
        var token = Sample(model, seq, logitIndex);
        var t1 = Stopwatch.GetTimestamp();
        Profile.Sampled(t1 - t0);
        var before = seq.Generated;
        try
        {
            Accept(model, seq, token);
        }
        finally
        {
            Profile.Emitted(Stopwatch.GetTimestamp() - t1, seq.Generated - before);
        }
    }

    private LLamaToken Sample(LoadedModel model, Sequence seq, int logitIndex)
    {
        if (options.NativeSampling)
        {
            seq.Sampler ??= new DefaultSamplingPipeline
            {
                Temperature = seq.Request.Temperature,
                TopP = seq.Request.TopP,
                Seed = Seed(seq),
                LogitBias = model.LogitBias,
            };
            return seq.Sampler.Sample(model.Context.NativeHandle, logitIndex);
        }

        seq.FastSampler ??= new TokenSampler(seq.Request.Temperature, seq.Request.TopP, Seed(seq));
        return (LLamaToken)seq.FastSampler.Sample(model.Context.NativeHandle.GetLogitsIth(logitIndex), model.BiasVector);
    }

    private static uint Seed(Sequence seq) => seq.Request.Seed is { } s ? unchecked((uint)s) : (uint)Random.Shared.Next();

    /// <summary>Takes a sampled token: end of generation, stop sequences, length, then streaming.</summary>
    private void Accept(LoadedModel model, Sequence seq, LLamaToken token)
    {
        if (seq.Generated == 0)
        {
            var ttft = Stopwatch.GetElapsedTime(seq.SubmittedTicks).TotalMilliseconds;
            seq.TtftMs = ttft;
            meters.FirstToken(ttft);
        }

        if (model.IsEndOfGeneration(token))
        {
            Finish(model, seq, null, GenerationFinish.EndOfText);
            return;
        }

        seq.Generated++;
        _generated++;
        seq.History.Add(token);
        seq.Text.Append(seq.Decoder.Add(model.Piece(token, ref _piece)));
        var stopAt = StopSequences.Find(seq.Text, seq.Emitted, seq.Request.StopSequences);
        if (stopAt >= 0)
        {
            seq.Text.Length = stopAt;
            Finish(model, seq, null, GenerationFinish.StopSequence);
            return;
        }

        if (seq.Generated >= seq.MaxTokens || seq.History.Count >= model.ContextPerSequence)
        {
            Finish(model, seq, null, GenerationFinish.Length);
            return;
        }

        Emit(seq, seq.Text.Length - StopSequences.HoldBack(seq.Text, seq.Emitted, seq.Request.StopSequences));
    }

    private void Emit(Sequence seq, int upTo, bool force = false)
    {
        var tokens = seq.Generated - seq.TokensReported;
        var now = Stopwatch.GetTimestamp();
        if (!force && seq.TokensReported > 0 && now - seq.LastFlushTicks < _flushTicks)
        {
            return; // batch it with the next ones: fewer reader wake-ups competing with decode
        }

        if (upTo > seq.Emitted || tokens > 0)
        {
            seq.LastFlushTicks = now;
            var text = upTo > seq.Emitted ? seq.Text.ToString(seq.Emitted, upTo - seq.Emitted) : string.Empty;
            seq.Emitted = Math.Max(seq.Emitted, upTo);
            seq.TokensReported = seq.Generated;
            seq.Output.Writer.TryWrite(new TextEvent(text, tokens));
        }
    }

    /// <summary>Finishes the admitted sequences whose callers cancelled (before the batch is built).</summary>
    public void FinishCancelled(LoadedModel? model)
    {
        foreach (var seq in scheduler.Slots)
        {
            if (seq is { CancelRequested: true })
            {
                Finish(model, seq, null, GenerationFinish.Cancelled);
            }
        }
    }

    /// <summary>Fails every admitted sequence (<paramref name="inBatchOnly"/>: only those in the last batch) with <paramref name="error"/>.</summary>
    public void FailAdmitted(LoadedModel? model, Exception error, bool inBatchOnly = false)
    {
        foreach (var seq in scheduler.Slots.OfType<Sequence>().Where(s => !inBatchOnly || s.InBatch).ToList())
        {
            Finish(model, seq, error);
        }
    }

    /// <summary>Removes a sequence from the batch, frees its KV cells and completes its stream.</summary>
    private void Finish(LoadedModel? model, Sequence seq, Exception? error, GenerationFinish finish = GenerationFinish.EndOfText)
    {
        CountGenerated();
        if (seq.SeqId >= 0)
        {
            try
            {
                model?.Remove(seq.SeqId);
            }
            finally
            {
                scheduler.Release(seq);
                seq.ReleasedAtStep = meters.Steps;
                seq.SeqId = -1;
            }
        }

        if (error is not null)
        {
            seq.Output.Writer.TryComplete(error);
        }
        else
        {
            Emit(seq, seq.Text.Length, force: true); // text already generated is delivered, even when cancelled
            seq.Output.Writer.TryWrite(new CompletedEvent(finish, seq.PromptTokens, seq.Generated));
            seq.Output.Writer.TryComplete();
        }

        seq.Dispose();
    }
}
