using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> over a GGUF embedding model (e.g. a multilingual bge-m3
/// converted to GGUF), for sites that have one. Wraps <see cref="LLamaEmbedder.GetEmbeddings"/> directly: LLamaSharp's
/// own IEmbeddingGenerator adapter on LLamaEmbedder is broken upstream (issue 1259). The file is validated in managed
/// code before llama.cpp sees it; vectors are mean-pooled and L2-normalised so cosine = dot product.
/// Embedding calls are serialised (one context); llama.cpp's process-wide decode lock orders them with the chat engine.
/// </summary>
public sealed class GgufEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly LLamaWeights _weights;
    private readonly LLamaEmbedder _embedder;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <exception cref="InvalidDataException">The file is not a usable GGUF; the message names the problem.</exception>
    public GgufEmbeddingGenerator(string path, int contextSize = 512, int threads = 0, string? nativeLibraryPath = null)
    {
        LlamaNative.EnsureInitialized(nativeLibraryPath);
        var verdict = GgufValidator.Validate(path, allowUnknownArchitecture: nativeLibraryPath is not null);
        if (!verdict.IsValid)
        {
            throw new InvalidDataException($"The embedding model '{path}' cannot be used: {verdict}");
        }
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)contextSize,
            Embeddings = true,
            PoolingType = LLamaPoolingType.Mean,
            GpuLayerCount = 0,
            Threads = threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount),
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _embedder = new LLamaEmbedder(_weights, parameters);
        Metadata = new EmbeddingGeneratorMetadata("gguf", null, Path.GetFileName(path), _embedder.EmbeddingSize);
    }

    public EmbeddingGeneratorMetadata Metadata { get; }

    public int Dimensions => _embedder.EmbeddingSize;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var value in values)
            {
                var vectors = await _embedder.GetEmbeddings(value, cancellationToken).ConfigureAwait(false);
                result.Add(new Embedding<float>(Normalize(vectors[0])) { ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow });
            }
        }
        finally
        {
            _gate.Release();
        }
        return result;
    }

    private static float[] Normalize(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return norm > 0 ? [.. vector.Select(v => v / norm)] : vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        _embedder.Dispose();
        _weights.Dispose();
        _gate.Dispose();
    }
}
