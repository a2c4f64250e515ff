using AxWorkbench.Core.Data;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Remote;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AxWorkbench.Web.Inference;

public static class InferenceWebExtensions
{
    /// <summary>
    /// The in-process model (Core's engine behind IChatClient). Relative paths resolve against the content
    /// root; the fixture model, when no model is configured, is written into the data folder.
    /// </summary>
    public static WebApplicationBuilder AddInferenceWeb(this WebApplicationBuilder builder)
    {
        builder.AddInference();
        var contentRoot = builder.Environment.ContentRootPath;
        var fixtureConfigured = builder.Configuration[$"{InferenceOptions.SectionName}:{nameof(InferenceOptions.FixtureDirectory)}"] is not null;
        builder.Services.AddOptions<InferenceOptions>().PostConfigure<Microsoft.Extensions.Options.IOptions<DataOptions>>((inference, data) =>
        {
            inference.FixtureDirectory = fixtureConfigured
                ? Path.GetFullPath(inference.FixtureDirectory, contentRoot)
                : Path.Combine(data.Value.ResolveDataDirectory(contentRoot), "models");
            if (!string.IsNullOrWhiteSpace(inference.ModelPath))
            {
                inference.ModelPath = Path.GetFullPath(inference.ModelPath, contentRoot);
            }
        });
        builder.Services.AddHealthChecks().AddCheck<ModelHealthCheck>("model");
        return builder;
    }
}

/// <summary>Ready is healthy; loading is degraded; a model that failed to load is unhealthy with its reason (the app keeps serving).</summary>
public sealed class ModelHealthCheck(IModelStatus model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (model is RemoteInferenceStatus remote)
        {
            return Task.FromResult(CheckRemote(remote));
        }

        var data = new Dictionary<string, object> { ["state"] = model.State.ToString() };
        if (model.Info is { } info)
        {
            data["model"] = info.DisplayName;
            data["file"] = info.Path;
            data["sha256"] = info.Sha256 ?? "";
            data["architecture"] = info.Architecture;
            data["fileType"] = info.FileType;
            data["backend"] = info.Backend ?? "";
            data["devices"] = string.Join(", ", info.Devices);
            data["layersOffloaded"] = info.LayersOffloaded;
            data["kvCacheType"] = info.KvCacheType;
            data["fixture"] = info.IsFixture;
        }
        var result = model.State switch
        {
            ModelState.Ready => HealthCheckResult.Healthy(model.Info?.IsFixture == true ? "Fixture model loaded (random weights: its text is noise)" : "Model loaded", data),
            ModelState.Failed => HealthCheckResult.Unhealthy($"Model failed to load: {model.Error}", data: data),
            _ => HealthCheckResult.Degraded($"Model {model.State.ToString().ToLowerInvariant()} ({model.LoadProgress:P0})", data: data),
        };
        return Task.FromResult(result);
    }

    /// <summary>
    /// A remote model: healthy while the server answers; degraded (still 200: this node serves its pages, and the load
    /// balancer keeps it) while the server cannot be reached, with the reason; it recovers by itself at the next probe.
    /// </summary>
    private static HealthCheckResult CheckRemote(RemoteInferenceStatus remote)
    {
        var data = new Dictionary<string, object>
        {
            ["state"] = remote.State.ToString(),
            ["provider"] = "OpenAICompatible",
            ["endpoint"] = remote.Endpoint,
            ["remoteModel"] = remote.Model,
            ["reachable"] = remote.Reachable,
            ["latencyMs"] = remote.Latency?.TotalMilliseconds ?? -1,
            ["lastAnswered"] = remote.LastAnswered?.ToString("o", System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
        return remote.State switch
        {
            ModelState.Ready => HealthCheckResult.Healthy($"Inference server {remote.Endpoint} answers ({remote.Latency?.TotalMilliseconds:N0} ms)", data),
            ModelState.Failed => HealthCheckResult.Degraded($"Inference server unreachable: {remote.Error}", data: data),
            _ => HealthCheckResult.Degraded($"Inference server {remote.Endpoint} not probed yet", data: data),
        };
    }
}
