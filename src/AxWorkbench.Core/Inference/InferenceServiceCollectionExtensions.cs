using AxWorkbench.Core.Inference.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the "Inference" options (validated at start), the engine singleton (also as <see cref="IModelStatus"/>),
    /// a hosted service that loads the weights at start off the request path (a bad model sets State Failed, never crashes),
    /// <see cref="IChatClient"/> over the engine, and <see cref="ITokenCounter"/> (the model's tokenizer). Metrics: meter <see cref="InferenceEngine.MeterName"/>.
    /// With <c>Inference:Provider = OpenAICompatible</c> the engine is still registered (the lightweighting lab's offline
    /// tools need its type) but never loads; <see cref="IChatClient"/>, <see cref="IModelStatus"/> and <see cref="ITokenCounter"/>
    /// are the remote provider's (<see cref="RemoteChatClient"/>, <see cref="RemoteInferenceStatus"/>, <see cref="RemoteTokenCounter"/>).
    /// </summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<InferenceOptions>()
            .Bind(builder.Configuration.GetSection(InferenceOptions.SectionName))
            .ValidateDataAnnotations();
        if (IsRemote(builder))
        {
            builder.Services.TryAddSingleton<InferenceEngine>();
            builder.Services.AddRemoteInference();
            // One line per remote call from HttpClient and Polly at Information would drown the node's log.
            builder.Services.Configure<LoggerFilterOptions>(filters => filters
                .AddFilter("System.Net.Http.HttpClient." + RemoteInferenceExtensions.ClientName, LogLevel.Warning)
                .AddFilter("System.Net.Http.HttpClient." + RemoteProbeService.ProbeClientName, LogLevel.Warning)
                .AddFilter("Polly", LogLevel.Warning));
            return builder;
        }

        builder.Services.TryAddSingleton<InferenceEngine>();
        builder.Services.TryAddSingleton<IModelStatus>(sp => sp.GetRequiredService<InferenceEngine>());
        builder.Services.TryAddSingleton<IChatClient>(sp => new LocalChatClient(sp.GetRequiredService<InferenceEngine>()));
        builder.Services.TryAddSingleton<ITokenCounter, ModelTokenCounter>();
        builder.Services.AddHostedService<ModelLoaderService>();
        return builder;
    }

    /// <summary>True when the configuration says the model is behind an OpenAI-compatible server.</summary>
    public static bool IsRemote(IHostApplicationBuilder builder) =>
        Enum.TryParse<InferenceProvider>(builder?.Configuration[$"{InferenceOptions.SectionName}:{nameof(InferenceOptions.Provider)}"], ignoreCase: true, out var provider)
        && provider == InferenceProvider.OpenAICompatible;
}

/// <summary>Loads the model in the background at start; the app serves pages (and /healthz says "Loading") meanwhile.</summary>
internal sealed partial class ModelLoaderService(InferenceEngine engine, ILogger<ModelLoaderService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await Task.Run(() => engine.LoadAsync(stoppingToken), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // loading must never crash the host; the engine reports the reason
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUnexpected(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Model loading failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
