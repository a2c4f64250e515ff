using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Documents.Jobs;

/// <summary>The runner half of <see cref="DocumentJobs"/>: start-up recovery, the claim loops, leases and heartbeats.</summary>
public sealed partial class DocumentJobs
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RecoverAsync(stoppingToken);
        }
        finally
        {
            _recovered.TrySetResult();
        }
        var loops = new List<Task> { Task.Run(() => ClaimLoopAsync(JobKinds.Parse, _parseWork, RunParseAsync, stoppingToken), CancellationToken.None) };
        for (var i = 0; i < options.Value.ConcurrentSummaries; i++)
        {
            loops.Add(Task.Run(() => ClaimLoopAsync(JobKinds.Summary, _summaryWork, RunClaimedSummaryAsync, stoppingToken), CancellationToken.None));
        }
        await Task.WhenAll(loops);
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var released = await queue.ReleaseLeftRunningAsync([JobKinds.Parse, JobKinds.Summary], cancellationToken);
        if (released > 0)
        {
            LogReleased(logger, released);
        }
        var openSummaries = await queue.OpenSubjectsAsync(JobKinds.Summary, cancellationToken);
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            // Rows from before jobs had leases (or a start that failed between its two writes): nothing will resume them.
            var left = (await db.Summaries.Where(s => s.Status == SummaryStatus.Queued || s.Status == SummaryStatus.Running).ToListAsync(cancellationToken))
                .Where(s => !openSummaries.Contains(s.Id)).ToList();
            foreach (var summary in left)
            {
                summary.Status = SummaryStatus.Interrupted;
                summary.Error = "The application stopped while this summary was being made; resume it to continue from the saved chunk summaries.";
            }
            await db.SaveChangesAsync(cancellationToken);
            if (left.Count > 0)
            {
                LogInterrupted(logger, left.Count);
            }
        }
        var openParses = await queue.OpenSubjectsAsync(JobKinds.Parse, cancellationToken);
        foreach (var (id, uploader) in await library.PendingParsesAsync(cancellationToken))
        {
            if (!openParses.Contains(id))
            {
                await queue.EnqueueAsync(JobKinds.Parse, id, uploader, uploader, cancellationToken);
            }
        }
        _parseWork.Release();
        _summaryWork.Release(options.Value.ConcurrentSummaries);
    }

    private void Queued(SummaryRecord record, WorkbenchActor actor)
    {
        _actors[(JobKinds.Summary, record.Id)] = actor;
        Raise(new SummaryJobUpdate(record.Id, record.DocumentId, SummaryStatus.Queued, record.ChunksDone, record.ChunksTotal, null));
        _summaryWork.Release();
    }

    /// <summary>Claims jobs of one kind until the app stops; idle, it waits for work queued here or polls for other nodes' work.</summary>
    private async Task ClaimLoopAsync(string kind, SemaphoreSlim work, Func<ClaimedJob, CancellationToken, Task> run, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ClaimedJob? claimed = null;
                try
                {
                    claimed = await queue.ClaimAsync(kind, stoppingToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                {
                    LogQueueUnavailable(logger, ex.Message); // the database is away: poll again
                }
                if (claimed is null)
                {
                    await work.WaitAsync(jobOptions.Value.Poll, stoppingToken);
                    continue;
                }
                await run(claimed, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The actor a job runs as: the one who queued it on this node, or one rebuilt from the row (taken over from another node).</summary>
    private WorkbenchActor ActorOf(ClaimedJob claimed) =>
        _actors.TryRemove((claimed.Kind, claimed.SubjectId), out var actor)
            ? actor
            : new WorkbenchActor(claimed.RequestedById, claimed.RequestedByName, [], new UserAuthorization(ClassificationLevel.Unclassified, new HashSet<string>()));

    /// <summary>Extends the lease every heartbeat until <paramref name="stop"/>; tells the job when a cancel was asked or the lease was lost.</summary>
    private async Task KeepLeaseAsync(Guid jobId, Action<string?> cancelAsked, Action lost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(jobOptions.Value.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    var beat = await queue.HeartbeatAsync(jobId, stop);
                    if (!beat.Held)
                    {
                        LogLeaseLost(logger, jobId);
                        lost();
                        return;
                    }
                    if (beat.CancelRequested)
                    {
                        cancelAsked(beat.CancelledBy);
                    }
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException && !stop.IsCancellationRequested)
                {
                    LogQueueUnavailable(logger, ex.Message); // the next beat tries again; past the lease another node may take over
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task RunParseAsync(ClaimedJob claimed, CancellationToken stoppingToken)
    {
        var documentId = claimed.SubjectId;
        var actor = ActorOf(claimed);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var stopBeat = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var beat = KeepLeaseAsync(claimed.Id, _ => { }, work.Cancel, stopBeat.Token);
        var release = false;
        try
        {
            var progress = new InlineParseProgress(step =>
            {
                _parseProgress[documentId] = step;
                RaiseParse(new ParseJobUpdate(documentId, DocumentStatus.Parsing, null, step));
            });
            DocumentRecord document;
            try
            {
                document = await library.ParseStoredAsync(documentId, actor, work.Token, progress);
            }
            finally
            {
                _parseProgress.TryRemove(documentId, out _);
            }

            RaiseParse(new ParseJobUpdate(document.Id, document.Status, document.FailureReason));
        }
        catch (DocumentNotFoundException)
        {
            // Deleted before it was parsed.
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            release = stoppingToken.IsCancellationRequested; // stopping: still "parsing", queued again for any node
        }
#pragma warning disable CA1031 // a background job must never stop the loop; the reason is logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogParseFailed(logger, documentId, ex);
        }
        await stopBeat.CancelAsync();
        await beat;
        await CloseAsync(claimed.Id, release);
    }

    private async Task RunClaimedSummaryAsync(ClaimedJob claimed, CancellationToken stoppingToken)
    {
        var summaryId = claimed.SubjectId;
        var actor = ActorOf(claimed);
        SummaryRecord? record;
        await using (var db = await contextFactory.CreateDbContextAsync(stoppingToken))
        {
            record = await db.Summaries.AsNoTracking().FirstOrDefaultAsync(s => s.Id == summaryId, stoppingToken);
        }
        if (record is null || record.Status is SummaryStatus.Completed or SummaryStatus.Failed or SummaryStatus.Cancelled)
        {
            await CloseAsync(claimed.Id, release: false); // deleted, or ended by a node that died before it closed the job
            return;
        }
        var job = new SummaryJob(record.DocumentId, record.RequestedBy, actor)
        {
            Last = new SummaryJobUpdate(summaryId, record.DocumentId, SummaryStatus.Queued, record.ChunksDone, record.ChunksTotal, null),
            CancelledBy = claimed.CancelledBy,
        };
        _jobs[summaryId] = job;
        if (claimed.CancelRequested)
        {
            await FinishAsync(record, job, SummaryStatus.Cancelled, record.ChunksDone, record.ChunksTotal, null, $"Cancelled by {job.CancelledBy ?? actor.Name}.");
        }
        else
        {
            // A stopping node stops its heartbeats: a graceful stop closes the job itself, a frozen or killed one lets the lease lapse.
            using var stopBeat = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var beat = KeepLeaseAsync(claimed.Id, by =>
            {
                job.CancelledBy ??= by;
                job.Cancel.Cancel();
            }, () =>
            {
                job.LeaseLost = true;
                job.Cancel.Cancel();
            }, stopBeat.Token);
            await RunSummaryAsync(summaryId, job, stoppingToken);
            await stopBeat.CancelAsync();
            await beat;
        }
        _jobs.TryRemove(summaryId, out _);
        job.Cancel.Dispose();
        if (!job.LeaseLost)
        {
            await CloseAsync(claimed.Id, release: false);
        }
    }

    /// <summary>Finishes (or, at a graceful stop, releases) a job this node holds; the database being away only delays it to the lease.</summary>
    private async Task CloseAsync(Guid jobId, bool release)
    {
        try
        {
            if (release)
            {
                await queue.ReleaseAsync(jobId, CancellationToken.None);
            }
            else
            {
                await queue.FinishAsync(jobId, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            LogQueueUnavailable(logger, ex.Message);
        }
    }

    private async Task RunSummaryAsync(Guid summaryId, SummaryJob job, CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.Cancel.Token, stoppingToken);
        var token = linked.Token;
        SummaryRecord? record = null;
        try
        {
            List<ParsedPage> pages;
            List<ChunkSummary> saved;
            await using (var db = await contextFactory.CreateDbContextAsync(token))
            {
                record = await db.Summaries.Include(s => s.Chunks).FirstAsync(s => s.Id == summaryId, token);
                pages = await db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == record.DocumentId).OrderBy(p => p.Number)
                    .Select(p => new ParsedPage(p.Number, p.Text)).ToListAsync(token);
                saved = record.Chunks.OrderBy(c => c.Index).Select(c => new ChunkSummary(c.FirstPage, c.LastPage, c.Text)).ToList();
                record.Status = SummaryStatus.Running;
                await db.SaveChangesAsync(token);
            }
            Report(job, summaryId, SummaryStatus.Running, record.ChunksDone, record.ChunksTotal, null);
            await WaitForModelAsync(token);

            var summarizer = Summarizer(job.UserName);
            var checkpoint = new SummaryCheckpoint(saved, async (index, chunk, ct) =>
            {
                await using var db = await contextFactory.CreateDbContextAsync(ct);
                db.SummaryChunks.Add(new SummaryChunkRecord { SummaryId = summaryId, Index = index, FirstPage = chunk.FirstPage, LastPage = chunk.LastPage, Text = chunk.Text });
                await db.SaveChangesAsync(ct);
            });
            var progress = new InlineProgress(p => Report(job, summaryId, SummaryStatus.Running, p.Done, p.Total, null));
            var result = await summarizer.SummarizeAsync(pages, record.Mode, checkpoint, progress, token);

            var total = job.Last.Total;
            await FinishAsync(record, job, SummaryStatus.Completed, total, total, result.Text, null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && job.LeaseLost)
        {
            // Another node took the summary over; it writes the outcome.
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && record is not null)
        {
            var status = stoppingToken.IsCancellationRequested ? SummaryStatus.Interrupted : SummaryStatus.Cancelled;
            var reason = status == SummaryStatus.Interrupted
                ? "The application stopped while this summary was being made; resume it to continue from the saved chunk summaries."
                : $"Cancelled by {job.CancelledBy ?? job.Actor.Name}.";
            await FinishAsync(record, job, status, job.Last.Done, job.Last.Total, null, reason);
        }
#pragma warning disable CA1031 // a failed job is recorded with its reason; it must not stop the runner
        catch (Exception ex) when (record is not null && ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogSummaryFailed(logger, summaryId, ex);
            await FinishAsync(record, job, SummaryStatus.Failed, job.Last.Done, job.Last.Total, null, $"The summary failed: {ex.Message}");
        }
    }
}
