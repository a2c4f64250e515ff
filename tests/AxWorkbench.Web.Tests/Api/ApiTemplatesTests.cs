using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Inference;
using AxWorkbench.Web.Api;
using Microsoft.Extensions.Configuration;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>The two profiles of a split site parse and validate as at start (the web node's key file aside: it lives on the site's machine).</summary>
public sealed class ApiTemplatesTests
{
    private static IConfiguration Load(string file) =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.templates", file), optional: false).Build();

    private static List<string> Problems(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }

    [Fact]
    public void InferenceNode_ServesV1InProcess()
    {
        var configuration = Load("inference-node.json");
        var inference = configuration.GetSection(InferenceOptions.SectionName).Get<InferenceOptions>()!;
        var api = configuration.GetSection(ApiOptions.SectionName).Get<ApiOptions>()!;

        Assert.Equal(InferenceProvider.InProcess, inference.Provider);
        Assert.True(api.Enabled);
        Assert.Empty(Problems(api));
        Assert.Empty(Problems(inference));
    }

    [Fact]
    public void WebNode_UsesTheRemoteServer_AndOnlyItsKeyFileIsMissingHere()
    {
        var inference = Load("web-node.json").GetSection(InferenceOptions.SectionName).Get<InferenceOptions>()!;

        Assert.Equal(InferenceProvider.OpenAICompatible, inference.Provider);
        Assert.EndsWith("/v1", inference.Remote.Endpoint, StringComparison.Ordinal);
        Assert.Equal(["Inference:Remote:ApiKeyFile '/etc/axworkbench/inference.key' does not exist."], Problems(inference));
    }

    [Fact]
    public void WebNode_EmbedsOnTheInferenceNode_AndOnlyItsKeyFileIsMissingHere()
    {
        var retrieval = Load("web-node.json").GetSection(AxWorkbench.Core.Retrieval.RetrievalOptions.SectionName).Get<AxWorkbench.Core.Retrieval.RetrievalOptions>()!;

        Assert.Equal("Remote", retrieval.Embedder);
        Assert.Empty(Problems(retrieval));
        Assert.Equal(["Retrieval:RemoteEmbeddings:ApiKeyFile '/etc/axworkbench/inference.key' does not exist."],
            retrieval.RemoteEmbeddings.Validate().Select(r => r.ErrorMessage));
    }

    [Fact]
    public void RemoteProvider_WithoutEndpointOrModel_IsRefusedNamingTheSettings()
    {
        var problems = Problems(new InferenceOptions { Provider = InferenceProvider.OpenAICompatible, Remote = { Endpoint = "gpu-node:5080", MaxConcurrentRequests = 0 } });

        Assert.Contains(problems, p => p.StartsWith("Inference:Remote:Endpoint 'gpu-node:5080' is not an absolute http", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Inference:Remote:Model is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Inference:Remote:MaxConcurrentRequests must be between 1", StringComparison.Ordinal));
    }
}
