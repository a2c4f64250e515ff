using AxWorkbench.Core.Lightweighting;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Cluster;

/// <summary>
/// Lab job progress across nodes: this node's quantize and evaluate updates are published
/// (<see cref="ClusterTopics.LabJobProgress"/>) and the other nodes' are raised here through
/// <see cref="LightweightingLab.RaiseRemote"/>, so the lab page on node B follows (and can cancel) a job node A runs.
/// </summary>
public sealed class LabJobsRelay(LightweightingLab lab, IClusterEvents events) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lab.Progressed += OnProgressed;
        _subscription = events.Subscribe(ClusterTopics.LabJobProgress, OnRemote);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lab.Progressed -= OnProgressed;
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    // RaiseRemote does not raise Progressed, so a relayed update is never published again.
    private void OnProgressed(LabJobUpdate update) => _ = events.TryPublishAsync(ClusterTopics.LabJobProgress, update, CancellationToken.None);

    private void OnRemote(ClusterEvent clusterEvent)
    {
        if (clusterEvent.Node != events.Node && clusterEvent.Read<LabJobUpdate>() is { } update)
        {
            lab.RaiseRemote(update);
        }
    }
}
