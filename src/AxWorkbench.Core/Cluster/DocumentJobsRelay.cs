using AxWorkbench.Core.Documents.Jobs;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Cluster;

/// <summary>
/// Job progress across nodes: this node's parse and summary updates are published
/// (<see cref="ClusterTopics.JobProgress"/>) and the other nodes' are raised here through
/// <see cref="DocumentJobs.RaiseRemote(SummaryJobUpdate)"/>, so a page on node B follows a job node A runs.
/// </summary>
public sealed class DocumentJobsRelay(DocumentJobs jobs, IClusterEvents events) : IHostedService
{
    [ThreadStatic]
    private static bool _relaying;

    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.SummaryChanged += OnSummary;
        jobs.ParseChanged += OnParse;
        _subscription = events.Subscribe(ClusterTopics.JobProgress, OnRemote);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        jobs.SummaryChanged -= OnSummary;
        jobs.ParseChanged -= OnParse;
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void OnSummary(SummaryJobUpdate update) => Publish(new JobProgressEvent(update, null));

    private void OnParse(ParseJobUpdate update) => Publish(new JobProgressEvent(null, update));

    private void Publish(JobProgressEvent progress)
    {
        if (!_relaying)
        {
            _ = events.TryPublishAsync(ClusterTopics.JobProgress, progress, CancellationToken.None);
        }
    }

    private void OnRemote(ClusterEvent clusterEvent)
    {
        if (clusterEvent.Node == events.Node || clusterEvent.Read<JobProgressEvent>() is not { } progress)
        {
            return;
        }

        _relaying = true;
        try
        {
            if (progress.Summary is { } summary)
            {
                jobs.RaiseRemote(summary);
            }

            if (progress.Parse is { } parse)
            {
                jobs.RaiseRemote(parse);
            }
        }
        finally
        {
            _relaying = false;
        }
    }

    private sealed record JobProgressEvent(SummaryJobUpdate? Summary, ParseJobUpdate? Parse);
}
