using AxWorkbench.Core.Data;
using AxWorkbench.Core.Inference.Remote;
using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>
/// Node B's retrieval embeds through node A's <c>/v1/embeddings</c> (Retrieval:Embedder = Remote): the same vectors
/// A's MiniLM makes locally, the profile retrieval keys its index on, and bad settings or answers named.
/// </summary>
public sealed class RemoteEmbeddingsTests(InferenceNodeFixture fixture) : IClassFixture<InferenceNodeFixture>
{
    private static readonly string[] Passages = ["The convoy crossed the bridge at dawn.", "Two launchers moved north of the river after midnight."];

    [Fact]
    public async Task NodeB_EmbedsThroughAsEndpoint_TheVectorsAsMiniLmMakesThem()
    {
        using var b = await StartNodeBAsync(dimensions: 384);
        var embedder = b.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var remote = await embedder.GenerateAsync(Passages);
        using var local = new MiniLmEmbeddingGenerator();
        var expected = await local.GenerateAsync(Passages);

        Assert.Equal(2, remote.Count);
        for (var i = 0; i < Passages.Length; i++)
        {
            Assert.Equal(384, remote[i].Vector.Length);
            Assert.True(Cosine(remote[i].Vector.Span, expected[i].Vector.Span) > 0.9999, $"passage {i}: the remote vector is not A's MiniLM vector");
        }

        Assert.True(Cosine(remote[0].Vector.Span, remote[1].Vector.Span) < 0.9, "two different passages got the same vector");
        var profile = embedder.GetService<EmbedderProfile>();
        Assert.NotNull(profile);
        Assert.Equal(384, profile.Dimensions);
        Assert.True(profile.Reads("en"));
        Assert.StartsWith($"remote:all-MiniLM-L6-v2@{fixture.A.V1.ToString().TrimEnd('/')}", profile.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VectorsOfAnotherLength_AreRefused_NamingTheSetting()
    {
        using var b = await StartNodeBAsync(dimensions: 768);
        var embedder = b.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var refused = await Assert.ThrowsAsync<RemoteInferenceException>(() => embedder.GenerateAsync(Passages));
        Assert.Contains("returned vectors of 384 numbers; Retrieval:RemoteEmbeddings:Dimensions says 768", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingEndpointAndDimensions_StopTheStart_NamingEachSetting()
    {
        var builder = Builder(new Dictionary<string, string?> { ["Retrieval:Embedder"] = "Remote", ["Retrieval:RemoteEmbeddings:Model"] = "m" });
        using var host = builder.Build();
        var failed = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Retrieval:RemoteEmbeddings:Endpoint is required", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Retrieval:RemoteEmbeddings:Dimensions must be", failed.Message, StringComparison.Ordinal);
    }

    private async Task<IHost> StartNodeBAsync(int dimensions)
    {
        var host = Builder(new Dictionary<string, string?>
        {
            ["Retrieval:Embedder"] = "Remote",
            ["Retrieval:RemoteEmbeddings:Endpoint"] = fixture.A.V1.ToString(),
            ["Retrieval:RemoteEmbeddings:Model"] = "all-MiniLM-L6-v2",
            ["Retrieval:RemoteEmbeddings:ApiKeyFile"] = fixture.KeyFile,
            ["Retrieval:RemoteEmbeddings:Dimensions"] = dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await host.StartAsync();
        return host;
    }

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        settings["Data:DataDirectory"] = Path.Combine(Path.GetTempPath(), "axwb-web-tests", Guid.NewGuid().ToString("N"));
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddWorkbenchData();
        builder.AddRetrieval();
        return builder;
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
