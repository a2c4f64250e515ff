using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The GGUF embedder over the real fixture model through real LLamaSharp (the fixture is not a trained embedder:
/// these tests check the plumbing — shape, determinism, normalisation, errors — not semantic quality).</summary>
[Collection(ModelCollection.Name)]
public sealed class GgufEmbeddingGeneratorTests(ModelFixture model)
{
    private string FixturePath => FixtureModelWriter.EnsureWritten(model.Directory, "small", 42);

    [Fact]
    public async Task Embeddings_HaveTheModelsWidth_AreUnitLength_AndDeterministic()
    {
        using var generator = new GgufEmbeddingGenerator(FixturePath, threads: 2);

        var first = await generator.GenerateAsync(["border activity report", "국경 활동 보고서"]);
        var again = await generator.GenerateAsync(["border activity report"]);

        Assert.Equal(2, first.Count);
        Assert.All(first, e => Assert.Equal(generator.Dimensions, e.Vector.Length));
        Assert.All(first, e => Assert.Equal(1.0, Math.Sqrt(e.Vector.ToArray().Sum(v => (double)v * v)), 3));
        Assert.Equal(first[0].Vector.ToArray(), again[0].Vector.ToArray());
        Assert.NotEqual(first[0].Vector.ToArray(), first[1].Vector.ToArray());
    }

    [Fact]
    public void NotAGguf_IsRefusedNamingTheProblem()
    {
        var bad = Path.Combine(model.Directory, "not-an-embedder.gguf");
        File.WriteAllText(bad, "plain text, not a model");

        var ex = Assert.Throws<InvalidDataException>(() => new GgufEmbeddingGenerator(bad));

        Assert.Contains("not-an-embedder.gguf", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NotGguf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetrievalProfile_DeclaresTheConfiguredLanguagesAndWidth()
    {
        using var generator = RetrievalServiceExtensions.ProfiledEmbeddingGenerator.ForGguf(new RetrievalOptions
        {
            Embedder = "Gguf",
            EmbeddingModelPath = FixturePath,
            EmbeddingLanguages = "en,ko",
        });

        var profile = generator.GetService<EmbedderProfile>();

        Assert.NotNull(profile);
        Assert.True(profile.Reads("ko") && profile.Reads("en"));
        Assert.StartsWith("gguf:ax-fixture-small-s42.gguf:", profile.Id, StringComparison.Ordinal);
        Assert.True(profile.Dimensions > 0);
    }
}
