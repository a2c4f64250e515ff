using System.Diagnostics;
using LLama;
using LLama.Native;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The benchmark's own-library anchor: the tightest loop over the same libllama the engine uses, and nothing else —
/// one context built with the engine's parameters, N sequences decoding one token each per step (as llama.cpp's
/// llama-batched-bench does), sampled with the engine's own sampler (greedy at temperature 0). Meant to run in its own
/// process (the benchmark's <c>bare</c> command), after a warm-up, so that no second model competes with it. Lives
/// here because LLamaSharp may only be used in this folder.
/// </summary>
public sealed class BareDecodeLoop : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaToken[] _prompt;
    private readonly float[] _bias;
    private readonly int _maxSequences;

    /// <summary>Aggregate tokens/s of the generation phase and where its steps' time went (µs per step).</summary>
    public sealed record Result(
        int Sequences,
        int Steps,
        double TokensPerSecond,
        double BuildMicrosPerStep,
        double DecodeMicrosPerStep,
        double SampleMicrosPerStep,
        double ThreadCpuMicrosPerStep,
        double ThreadRunnableMicrosPerStep,
        double ProcessCpuMicrosPerToken);

    /// <summary>Loads <paramref name="modelPath"/> with the engine's parameters from <paramref name="options"/> (library, threads, context, batch).</summary>
    public BareDecodeLoop(string modelPath, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LlamaNative.EnsureInitialized(options.NativeLibraryPath, options.ThreadWaitPolicy);
        var parameters = LoadedModel.BuildParameters(modelPath, options);
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
        _maxSequences = options.MaxParallelSequences;
        _prompt = _weights.NativeHandle.Tokenize("Summarize the border activity report.", _weights.Vocab.ShouldAddBOS, true, System.Text.Encoding.UTF8);
        var header = GgufValidator.Validate(modelPath).Header;
        _bias = LoadedModel.BuildBiasVector(_weights, header is not null && FixtureModelWriter.IsFixture(header));
    }

    /// <summary>The library this process loaded.</summary>
    public static string? LibraryPath => LlamaNative.LoadedLibraryPath;

    /// <summary>Generates <paramref name="tokens"/> tokens for each of <paramref name="sequences"/> sequences on a fresh thread.</summary>
    public Result Run(int sequences, int tokens, float temperature)
    {
        if (sequences < 1 || sequences > _maxSequences)
        {
            throw new ArgumentOutOfRangeException(nameof(sequences), $"1 to {_maxSequences} sequences (the context's sequence slots).");
        }

        Result? result = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = Loop(sequences, tokens, temperature);
            }
#pragma warning disable CA1031 // carried back to the caller's thread
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }
        })
        { Name = "bare-decode-loop" };
        thread.Start();
        thread.Join();
        return error is null ? result! : throw new GenerationFailedException("The bare decode loop failed: " + error.Message);
    }

    private Result Loop(int n, int tokens, float temperature)
    {
        var ctx = _context.NativeHandle;
        ctx.MemoryClear(true);
        var batch = new LLamaBatch();
        var samplers = Enumerable.Range(0, n).Select(i => new TokenSampler(temperature, 0.95f, (ulong)(i + 1))).ToArray();
        var last = new LLamaToken[n];
        var index = new int[n];

        // prefill: every sequence's prompt in one batch
        for (var s = 0; s < n; s++)
        {
            batch.AddRange(_prompt.AsSpan(0, _prompt.Length - 1), 0, (LLamaSeqId)s, false);
            index[s] = batch.Add(_prompt[^1], _prompt.Length - 1, (LLamaSeqId)s, true);
        }

        if (ctx.Decode(batch) != DecodeResult.Ok)
        {
            throw new GenerationFailedException("prompt decode failed");
        }

        for (var s = 0; s < n; s++)
        {
            last[s] = samplers[s].Sample(ctx.GetLogitsIth(index[s]), _bias);
        }

        var schedstat = ThreadSchedstat.CurrentThreadPath();
        var (cpu0, runnable0) = ThreadSchedstat.Read(schedstat);
        using var process = Process.GetCurrentProcess();
        var processCpu0 = process.TotalProcessorTime;
        long buildTicks = 0, decodeTicks = 0, sampleTicks = 0;
        var sw = Stopwatch.StartNew();
        for (var t = 0; t < tokens; t++)
        {
            var t0 = Stopwatch.GetTimestamp();
            batch.Clear();
            for (var s = 0; s < n; s++)
            {
                index[s] = batch.Add(last[s], _prompt.Length + t, (LLamaSeqId)s, true);
            }

            var t1 = Stopwatch.GetTimestamp();
            if (ctx.Decode(batch) != DecodeResult.Ok)
            {
                throw new GenerationFailedException("decode failed");
            }

            var t2 = Stopwatch.GetTimestamp();
            for (var s = 0; s < n; s++)
            {
                last[s] = samplers[s].Sample(ctx.GetLogitsIth(index[s]), _bias);
            }

            buildTicks += t1 - t0;
            decodeTicks += t2 - t1;
            sampleTicks += Stopwatch.GetTimestamp() - t2;
        }

        var seconds = sw.Elapsed.TotalSeconds;
        var (cpu1, runnable1) = ThreadSchedstat.Read(schedstat);
        process.Refresh();
        var processCpu = (process.TotalProcessorTime - processCpu0).TotalMicroseconds;
        return new Result(
            n,
            tokens,
            n * tokens / seconds,
            StepProfile.Micros(buildTicks) / tokens,
            StepProfile.Micros(decodeTicks) / tokens,
            StepProfile.Micros(sampleTicks) / tokens,
            (cpu1 - cpu0) / tokens,
            (runnable1 - runnable0) / tokens,
            processCpu / (n * tokens));
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
