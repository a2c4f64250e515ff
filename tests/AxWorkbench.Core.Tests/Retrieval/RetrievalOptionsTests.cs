using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Retrieval;

public sealed class RetrievalOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRetrieval();
        return builder.Services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("Retrieval:FusionBm25Weight", "1.5", "FusionBm25Weight")]
    [InlineData("Retrieval:FusionPinMargin", "-0.1", "FusionPinMargin")]
    [InlineData("Retrieval:EmbeddingThreads", "-1", "EmbeddingThreads")]
    [InlineData("Retrieval:EmbeddingMaxTokens", "600", "EmbeddingMaxTokens")]
    [InlineData("Retrieval:RrfK", "10", "Retrieval:RrfK is no longer read")]
    public void WrongOrRetiredSetting_FailsValidation_NamingIt(string key, string value, string expected)
    {
        using var sp = Build(new() { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<RetrievalOptions>>().Value);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmbedderSettings_ReachTheMiniLmEmbedder_AndItsProfileNamesThem()
    {
        using var sp = Build(new()
        {
            ["Retrieval:EmbeddingInt8"] = "false", ["Retrieval:EmbeddingMaxTokens"] = "128",
            ["Retrieval:EmbeddingThreads"] = "3", ["Retrieval:EmbeddingBatchSize"] = "4",
            ["Retrieval:FusionBm25Weight"] = "0.7", ["Retrieval:FusionPinMargin"] = "0.2",
        });

        var embedder = Assert.IsType<MiniLmEmbeddingGenerator>(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        var options = sp.GetRequiredService<IOptions<RetrievalOptions>>().Value;

        Assert.False(embedder.Quantized);
        Assert.Equal(128, embedder.MaxTokens);
        Assert.Equal(3, embedder.Threads);
        Assert.Equal(4, embedder.BatchSize);
        Assert.Contains("fp32-128", embedder.Profile.Id, StringComparison.Ordinal);
        Assert.Equal(0.7, options.FusionBm25Weight);
        Assert.Equal(0.2, options.FusionPinMargin);
    }

    [Fact]
    public void Defaults_AreTheTunedFusion_AndTheInt8EmbedderAtItsTrainedLength()
    {
        using var sp = Build([]);
        var options = sp.GetRequiredService<IOptions<RetrievalOptions>>().Value;
        var embedder = Assert.IsType<MiniLmEmbeddingGenerator>(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());

        Assert.Equal(FusionSettings.Default.Bm25Weight, options.FusionBm25Weight);
        Assert.Equal(FusionSettings.Default.PinMargin, options.FusionPinMargin);
        Assert.True(embedder.Quantized);
        Assert.Equal(256, embedder.MaxTokens);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), MiniLmEmbeddingGenerator.EffectiveThreads(embedder.Threads));
        Assert.Equal(5, MiniLmEmbeddingGenerator.EffectiveThreads(5));
    }
}
