using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;

namespace AxWorkbench.Core.Inference.Remote;

internal static class RemoteInferenceExtensions
{
    public const string ClientName = "AxWorkbench.RemoteInference";

    /// <summary>
    /// The remote provider: <see cref="IChatClient"/> = <see cref="RemoteChatClient"/> over the official OpenAI client on
    /// a named HttpClient whose resilience handler retries only failures that happen before the response starts
    /// (connection refused, 502/503/504): the OpenAI client reads responses with headers-first, so a stream whose first
    /// token has arrived is never sent again. <see cref="IModelStatus"/> = <see cref="RemoteInferenceStatus"/>, probed in the background.
    /// </summary>
    public static void AddRemoteInference(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<InferenceOptions>>().Value.Remote);
        services.AddSingleton(sp =>
        {
            var remote = sp.GetRequiredService<RemoteInferenceOptions>();
            return new RemoteSlots(remote.MaxConcurrentRequests, remote.MaxQueueLength);
        });
        services.AddSingleton(sp => new RemoteInferenceStatus(sp.GetRequiredService<RemoteInferenceOptions>(), sp.GetRequiredService<RemoteSlots>()));
        services.AddSingleton<IModelStatus>(sp => sp.GetRequiredService<RemoteInferenceStatus>());
        services.AddSingleton<ITokenCounter, RemoteTokenCounter>();
        services.AddSingleton<IChatClient>(sp =>
        {
            var remote = sp.GetRequiredService<RemoteInferenceOptions>();
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
            var openAi = new OpenAIClient(new ApiKeyCredential(remote.ReadApiKey() ?? "no-key"), new OpenAIClientOptions
            {
                Endpoint = new Uri(remote.Endpoint!),
                Transport = new HttpClientPipelineTransport(http),
                // Retries are the HttpClient's (before the response starts only); the pipeline's own would replay more.
                RetryPolicy = new ClientRetryPolicy(0),
                NetworkTimeout = TimeSpan.FromSeconds(remote.TimeoutSeconds),
            });
            return new RemoteChatClient(openAi.GetChatClient(remote.Model).AsIChatClient(), sp.GetRequiredService<RemoteSlots>(),
                sp.GetRequiredService<RemoteInferenceStatus>(), remote.Endpoint!.TrimEnd('/'), remote.Model!);
        });
        services.AddTransient<QueuePositionRelayHandler>();
        services.AddHttpClient(ClientName, (sp, client) => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<QueuePositionRelayHandler>()
            .AddResilienceHandler("remote-inference", (pipeline, context) =>
            {
                var remote = context.ServiceProvider.GetRequiredService<RemoteInferenceOptions>();
                if (remote.Retries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = remote.Retries,
                        BackoffType = DelayBackoffType.Exponential,
                        Delay = TimeSpan.FromMilliseconds(200),
                        ShouldHandle = args => ValueTask.FromResult(
                            args.Outcome.Exception is HttpRequestException
                            || args.Outcome.Result?.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout),
                    });
                }
            });
        services.AddHttpClient(RemoteProbeService.ProbeClientName);
        services.AddHostedService<RemoteProbeService>();
    }
}
