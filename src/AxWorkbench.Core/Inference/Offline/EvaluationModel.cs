using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

namespace AxWorkbench.Core.Inference.Offline;

/// <summary>
/// A model loaded on its own, outside serving, for scoring text the way llama.cpp's perplexity tool does: a CPU
/// context of one window, one sequence. <see cref="ScoreWindow"/> decodes one window and hands back the logits of the
/// positions asked for; <see cref="MeasureDecodeSpeed"/> times greedy single-token decodes. Run each call through
/// <see cref="InferenceEngine.RunExclusiveAsync{T}"/> while the engine serves, so it never decodes at the same time.
/// </summary>
public sealed class EvaluationModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    private EvaluationModel(string path, LLamaWeights weights, LLamaContext context)
    {
        Path = System.IO.Path.GetFullPath(path);
        _weights = weights;
        _context = context;
    }

    public string Path { get; }

    public int VocabularySize => _weights.Vocab.Count;

    /// <summary>llama.cpp's file type name, e.g. "MOSTLY_Q8_0".</summary>
    public string FileType => _weights.NativeHandle.FileType.ToString();

    /// <summary>Bytes of the weights in memory.</summary>
    public long WeightBytes => (long)_weights.SizeInBytes;

    /// <summary>The BOS token that replaces a window's first token, when the model uses one.</summary>
    public int? Bos => _weights.Vocab.ShouldAddBOS && _weights.Vocab.BOS is { } bos ? (int)bos : null;

    /// <exception cref="NativeLibraryUnavailableException">The native library cannot be loaded.</exception>
    /// <exception cref="OfflineModelException">llama.cpp could not load the file.</exception>
    public static async Task<EvaluationModel> LoadAsync(string path, int windowTokens, int threads, string? nativeLibraryPath, CancellationToken cancellationToken)
    {
        LlamaNative.EnsureInitialized(nativeLibraryPath);
        var cpuThreads = threads > 0 ? threads : Environment.ProcessorCount;
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)windowTokens,
            BatchSize = (uint)windowTokens,
            UBatchSize = (uint)windowTokens,
            SeqMax = 1,
            Threads = cpuThreads,
            BatchThreads = cpuThreads,
            GpuLayerCount = 0,
        };
        LLamaWeights? weights = null;
        try
        {
            weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken).ConfigureAwait(false);
            return new EvaluationModel(path, weights, weights.CreateContext(parameters));
        }
        catch (LLama.Exceptions.RuntimeError ex)
        {
            weights?.Dispose();
            throw new OfflineModelException($"llama.cpp could not load '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Plain text's tokens: no BOS, special-token text counted as text.</summary>
    public int[] Tokenize(string text) =>
        [.. _weights.NativeHandle.Tokenize(text, false, false, Encoding.UTF8).Select(t => (int)t)];

    /// <summary>Decodes <paramref name="window"/> as one sequence from position 0 (the first token replaced by <see cref="Bos"/>
    /// when there is one) and calls <paramref name="scored"/> with the logits at each position from <paramref name="firstScored"/> to the second last.</summary>
    /// <returns>The context's state size in bytes (KV cache included).</returns>
    /// <exception cref="OfflineModelException">The decode failed.</exception>
    public long ScoreWindow(ReadOnlySpan<int> window, int firstScored, LogitsAction scored)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var handle = _context.NativeHandle;
        handle.MemoryClear();
        _batch.Clear();
        for (var i = 0; i < window.Length; i++)
        {
            var token = i == 0 && Bos is { } b ? b : window[i];
            _batch.Add((LLamaToken)token, i, LLamaSeqId.Zero, i >= firstScored);
        }

        var result = handle.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new OfflineModelException($"{result}");
        }

        for (var i = firstScored; i < window.Length - 1; i++)
        {
            scored(i, handle.GetLogitsIth(i));
        }

        return (long)handle.GetStateSize();
    }

    /// <summary>Greedy single-sequence decode of <paramref name="count"/> tokens after a short prompt from <paramref name="tokens"/>; tokens per second of the timed decode calls.</summary>
    /// <exception cref="OfflineModelException">A decode failed.</exception>
    public double MeasureDecodeSpeed(ReadOnlySpan<int> tokens, int count)
    {
        var handle = _context.NativeHandle;
        handle.MemoryClear();
        var batch = new LLamaBatch();
        var prompt = Math.Min(16, tokens.Length);
        for (var i = 0; i < prompt; i++)
        {
            batch.Add((LLamaToken)(i == 0 && Bos is { } b ? b : tokens[i]), i, LLamaSeqId.Zero, i == prompt - 1);
        }

        if (handle.Decode(batch) != DecodeResult.Ok)
        {
            throw new OfflineModelException($"llama.cpp could not decode the speed prompt of '{System.IO.Path.GetFileName(Path)}'.");
        }

        const int warmUp = 4; // the first single-token decodes build the graph: not timed
        var limit = Math.Min(count + warmUp, (int)_context.ContextSize - prompt);
        var last = batch.TokenCount - 1;
        long ticks = 0;
        var timed = 0;
        for (var t = 0; t < limit; t++)
        {
            var next = (LLamaToken)ArgMax(handle.GetLogitsIth(last));
            batch.Clear();
            last = batch.Add(next, prompt + t, LLamaSeqId.Zero, true);
            var t0 = Stopwatch.GetTimestamp();
            if (handle.Decode(batch) != DecodeResult.Ok)
            {
                throw new OfflineModelException($"llama.cpp could not decode while measuring the speed of '{System.IO.Path.GetFileName(Path)}'.");
            }

            if (t >= warmUp || limit <= warmUp)
            {
                ticks += Stopwatch.GetTimestamp() - t0;
                timed++;
            }
        }

        handle.MemoryClear();
        return ticks == 0 ? 0 : timed * (double)Stopwatch.Frequency / ticks;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}

/// <summary>Receives the logits of one scored position of a window.</summary>
public delegate void LogitsAction(int position, ReadOnlySpan<float> logits);
