using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Cluster;

/// <summary>
/// A model promoted on one node is served by every node: on <see cref="ClusterTopics.ModelPromoted"/> from another
/// node this one swaps its engine to the same file (drained like a promotion; the promotion itself is recorded and
/// audited once, by the node where it was made). Model files must have the same path on every node.
/// </summary>
public sealed partial class ModelPromotionFollower(
    IClusterEvents events,
    IOptions<LightweightingOptions> options,
    ILogger<ModelPromotionFollower> logger,
    InferenceEngine? engine = null) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = events.Subscribe(ClusterTopics.ModelPromoted, e =>
        {
            if (e.Node != events.Node && engine is not null && e.Read<ModelPromotedEvent>() is { } promoted)
            {
                _ = FollowAsync(promoted.Path, e.Node);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task FollowAsync(string path, string node)
    {
        if (string.Equals(engine!.Info?.Path, path, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            await engine.ReloadAsync(path, TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds), CancellationToken.None);
            LogFollowed(logger, path, node);
        }
        catch (Exception ex) when (ex is ModelSwapException or ModelUnavailableException or IOException)
        {
            LogFollowFailed(logger, path, node, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Path}: promoted on node {Node}")]
    private static partial void LogFollowed(ILogger logger, string path, string node);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node} promoted {Path}, but this node cannot serve it ({Reason}); it keeps its model")]
    private static partial void LogFollowFailed(ILogger logger, string path, string node, string reason);
}
