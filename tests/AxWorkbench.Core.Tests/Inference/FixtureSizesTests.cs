using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The fixture sizes: the parameter count the shapes promise is what a written file holds; large is ~1B and over 2 GB in F16.</summary>
public sealed class FixtureSizesTests
{
    [Theory]
    [InlineData("small")]
    [InlineData("medium")]
    public void AWrittenFixture_HoldsExactlyTheParametersItsShapeCounts(string size)
    {
        var path = Path.Combine(Path.GetTempPath(), "axwb-fixture-sizes", Guid.NewGuid().ToString("N") + ".gguf");
        try
        {
            FixtureModelWriter.Write(path, size, seed: 3);
            var header = GgufValidator.Validate(path).Header!;
            var elements = header.Tensors.Sum(t => (long)t.ElementCount);
            Assert.Equal(FixtureModelWriter.ShapeFor(size).Parameters(FixtureModelWriter.VocabularySize), elements);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Large_IsAboutOneBillionParameters_AndOverTwoGigabytesInF16()
    {
        var shape = FixtureModelWriter.ShapeFor("large");
        var parameters = shape.Parameters(FixtureModelWriter.VocabularySize);

        Assert.InRange(parameters, 1_000_000_000L, 1_300_000_000L);
        Assert.True(parameters * 2 >= 2_000_000_000L, $"{parameters * 2:N0} bytes of F16 weights");
        Assert.Equal(0, shape.Embedding % shape.Heads);
    }

    [Fact]
    public void AnUnknownSize_IsRefusedNamingTheSizes()
    {
        var refused = Assert.Throws<ArgumentException>(() => FixtureModelWriter.ShapeFor("huge"));
        Assert.Contains("'large'", refused.Message, StringComparison.Ordinal);
    }
}
