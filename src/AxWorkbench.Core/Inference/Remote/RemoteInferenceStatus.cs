using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// What the model page and /healthz know of a remote model: the endpoint, the model id, whether the server answered
/// the last probe (GET {endpoint}/models) and how fast, and this node's queue. Ready while the server answers;
/// Failed (with the reason) while it does not; Loading until the first probe. Calls update it too, so a failed
/// stream shows at once and the next probe that answers clears it.
/// </summary>
public sealed class RemoteInferenceStatus : IModelStatus
{
    private readonly Lock _lock = new();
    private readonly RemoteSlots _slots;
    private ModelState _state = ModelState.Loading;
    private string? _error;
    private long _completed;

    internal RemoteInferenceStatus(RemoteInferenceOptions options, RemoteSlots slots)
    {
        _slots = slots;
        Endpoint = options.Endpoint!.TrimEnd('/');
        Model = options.Model!;
        Info = new ModelInfo
        {
            DisplayName = string.IsNullOrWhiteSpace(options.DisplayName) ? Model : options.DisplayName,
            Path = Endpoint,
            FileName = Model,
            SizeBytes = 0,
            Architecture = "remote (OpenAI-compatible)",
            ParameterCount = 0,
            FileType = "-",
            TrainedContextLength = options.ContextSize,
            ContextLength = options.ContextSize,
            VocabularySize = 0,
            Backend = Endpoint,
            Devices = ["remote"],
            LayerCount = 0,
            LayersOffloaded = "-",
            KvCacheType = "-",
            MaxParallelSequences = options.MaxConcurrentRequests,
            Threads = 0,
            IsFixture = false,
        };
    }

    /// <summary>The server's base address, e.g. "http://gpu-node:5080/v1".</summary>
    public string Endpoint { get; }

    /// <summary>The remote model id.</summary>
    public string Model { get; }

    /// <summary>Round trip of the last probe that answered.</summary>
    public TimeSpan? Latency { get; private set; }

    /// <summary>When the server last answered (UTC).</summary>
    public DateTimeOffset? LastAnswered { get; private set; }

    public bool Reachable => State == ModelState.Ready;

    public ModelState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public string? Error
    {
        get
        {
            lock (_lock)
            {
                return _error;
            }
        }
    }

    public ModelInfo? Info { get; }

    public EngineMetrics Metrics => new(_slots.Waiting, _slots.Active, 0, Latency?.TotalMilliseconds ?? 0, 0, 0, _slots.Rejected, Interlocked.Read(ref _completed), 0);

    public double LoadProgress => 0;

    /// <summary>A call or probe answered (<paramref name="latency"/> set) or failed (<paramref name="error"/> set).</summary>
    internal void RecordCall(TimeSpan? latency, string? error) => Record(latency, error, call: true);

    /// <summary>A probe answered or failed.</summary>
    internal void RecordProbe(TimeSpan? latency, string? error) => Record(latency, error, call: false);

    private void Record(TimeSpan? latency, string? error, bool call)
    {
        lock (_lock)
        {
            if (error is null)
            {
                _state = ModelState.Ready;
                _error = null;
                Latency = call ? Latency : latency;
                LastAnswered = DateTimeOffset.UtcNow;
                _completed += call ? 1 : 0;
            }
            else
            {
                _state = ModelState.Failed;
                _error = error;
            }
        }
    }
}

/// <summary>Probes the remote server now and then (GET {endpoint}/models), so reachability recovers by itself.</summary>
internal sealed partial class RemoteProbeService(
    RemoteInferenceStatus status, IHttpClientFactory clients, RemoteInferenceOptions options, ILogger<RemoteProbeService> logger) : BackgroundService
{
    public const string ProbeClientName = "AxWorkbench.RemoteInference.Probe";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.ProbeIntervalSeconds));
        do
        {
            await ProbeAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    internal async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var wasReachable = status.Reachable;
        using var client = clients.CreateClient(ProbeClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, status.Endpoint + "/models");
        if (options.ReadApiKey() is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Min(options.TimeoutSeconds, 10)));
            using var response = await client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                status.RecordProbe(Stopwatch.GetElapsedTime(started), null);
                if (!wasReachable)
                {
                    LogReachable(logger, status.Endpoint);
                }
            }
            else
            {
                status.RecordProbe(null, $"The inference server {status.Endpoint} answered HTTP {(int)response.StatusCode} to GET /models.");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            status.RecordProbe(null, $"The inference server {status.Endpoint} cannot be reached: {ex.Message}");
            if (wasReachable)
            {
                LogUnreachable(logger, status.Endpoint, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inference server {Endpoint} answers")]
    private static partial void LogReachable(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inference server {Endpoint} cannot be reached: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string endpoint, string reason);
}
