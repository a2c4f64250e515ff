using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>
/// A deterministic stand-in embedder for tests that are about access and structure, not the model:
/// each space-separated word hashes into one of 64 dimensions; unit length. Reads English only.
/// </summary>
public sealed class HashingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    public static EmbedderProfile Profile { get; } = new("test-hashing-64", 64, new HashSet<string> { TextLanguage.English });

    public int Calls { get; private set; }

    public static float[] Embed(string text)
    {
        var vector = new float[64];
        foreach (var word in text.ToLowerInvariant().Split([' ', '\n', '\t', '.', ',', '(', ')'], StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = 17;
            foreach (var c in word)
            {
                hash = unchecked((hash * 31) + c);
            }

            vector[(hash & 0x7fffffff) % 64] += 1;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return norm == 0 ? vector : vector.Select(v => v / norm).ToArray();
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v)))));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbedderProfile) ? Profile : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
