using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Cluster;

/// <summary>
/// Keeps this node's retrieval index in step with the others: applies the change log's new entries
/// (<see cref="RetrievalService.ApplyChangesAsync"/>) when another node announces a commit
/// (<see cref="ClusterTopics.RetrievalChanged"/>), after the listener reconnects, and at least every
/// <see cref="ClusterOptions.RetrievalPollMilliseconds"/>, remembering the last id applied. It starts after the id the
/// index was loaded at (<see cref="RetrievalIndexHost.ChangeIdAtOpen"/>): a node that was down rebuilds from the
/// database at start and then follows. This node's own commits are announced to the others from here.
/// </summary>
public sealed partial class RetrievalChangeFollower(
    RetrievalService retrieval,
    RetrievalIndexHost host,
    IClusterEvents events,
    IOptions<ClusterOptions> options,
    ILogger<RetrievalChangeFollower> logger) : BackgroundService
{
    private const int Batch = 500;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _applied = -1;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last change-log id this node has applied (−1 until the index is open).</summary>
    public long AppliedThrough => Interlocked.Read(ref _applied);

    /// <summary>Completes once this node has applied the change log up to <paramref name="changeId"/>.</summary>
    public async Task WhenAppliedAsync(long changeId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var progress = Volatile.Read(ref _progress).Task;
            if (AppliedThrough >= changeId)
            {
                return;
            }

            await progress.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var changed = events.Subscribe(ClusterTopics.RetrievalChanged, e => Wake());
        using var reconnected = events.Subscribe(ClusterTopics.Reconnected, _ => Wake());
        retrieval.ChangesCommitted += Announce;
        try
        {
            await host.GetAsync(stoppingToken);
            Advance(host.ChangeIdAtOpen);
            var poll = TimeSpan.FromMilliseconds(options.Value.RetrievalPollMilliseconds);
            var failing = false;
            while (!stoppingToken.IsCancellationRequested)
            {
                var more = false;
                try
                {
                    var (last, _) = await retrieval.ApplyChangesAsync(AppliedThrough, Batch, stoppingToken);
                    more = last - AppliedThrough >= Batch;
                    Advance(last);
                    if (failing)
                    {
                        failing = false;
                        LogRecovered(logger, last);
                    }
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    if (!failing)
                    {
                        failing = true;
                        LogApplyFailed(logger, ex.Message);
                    }
                }

                if (!more)
                {
                    await _wake.WaitAsync(poll, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            retrieval.ChangesCommitted -= Announce;
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    private void Advance(long id)
    {
        Interlocked.Exchange(ref _applied, Math.Max(id, AppliedThrough));
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private void Announce() => _ = AnnounceAsync();

    private async Task AnnounceAsync()
    {
        try
        {
            await events.PublishAsync(ClusterTopics.RetrievalChanged, "{}", CancellationToken.None);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // The others' poll finds the change anyway.
            LogAnnounceFailed(logger, ex.Message);
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying other nodes' retrieval changes failed ({Reason}); retrying at each poll")]
    private static partial void LogApplyFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrieval change log reachable again; applied through {ChangeId}")]
    private static partial void LogRecovered(ILogger logger, long changeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing a retrieval change to the other nodes failed ({Reason}); they find it at their next poll")]
    private static partial void LogAnnounceFailed(ILogger logger, string reason);
}
