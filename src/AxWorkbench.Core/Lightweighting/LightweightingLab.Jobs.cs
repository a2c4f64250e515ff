using System.Globalization;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Offline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>
/// The runner half of <see cref="LightweightingLab"/>: one lab job at a time per node, claimed from the shared jobs
/// table, held by a lease extended by heartbeats (which also save the progress and read a cancel asked on any node).
/// A job whose node died is claimed by another node once the lease has expired and restarted from the start (a
/// quantization or an evaluation cannot resume half-way): a quantization's half-written <c>.partial</c> file is deleted
/// first, and an output is only listed and promotable once its record is committed, in the same transaction that
/// closes the job, and only by the node that still holds it.
/// </summary>
public sealed partial class LightweightingLab
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var released = await queue.ReleaseLeftRunningAsync([LabJobRecord.JobKind], stoppingToken).ConfigureAwait(false);
            await using var db = await dbFactory.CreateDbContextAsync(stoppingToken).ConfigureAwait(false);
            // This node's previous run left them running: queued again for any node (the job rows were released above).
            await db.Set<LabJobRecord>().Where(j => j.Status == LabJobStatus.Running && j.Node == queue.NodeId)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, LabJobStatus.Queued), stoppingToken).ConfigureAwait(false);
            if (released > 0)
            {
                LogReleased(logger, released);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                ClaimedJob? claimed = null;
                try
                {
                    claimed = await queue.ClaimAsync(LabJobRecord.JobKind, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                {
                    LogQueueUnavailable(logger, ex.Message); // the database is away: poll again
                }

                if (claimed is null)
                {
                    await _work.WaitAsync(jobOptions.Value.Poll, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await RunAsync(claimed, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<LabJob> QueueAsync(LabJobRecord record, CancellationToken cancellationToken)
    {
        record.Status = LabJobStatus.Queued;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            db.Set<LabJobRecord>().Add(record);
            db.Set<BackgroundJobRecord>().Add(JobQueue.NewJob(LabJobRecord.JobKind, record.Id, record.RequestedBy, record.RequestedBy));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        _work.Release();
        Raise(new LabJobUpdate(record.Id, LabJobStatus.Queued, 0, null, null));
        return new LabJob(record.Id, record.Kind, record.Description, record.Status, 0, null, null, record.RequestedBy, record.CreatedUtc);
    }

    private void Raise(LabJobUpdate update)
    {
        if (update.Status is LabJobStatus.Running)
        {
            _live[update.Id] = update;
        }
        else
        {
            _live.TryRemove(update.Id, out _);
        }

        Progressed?.Invoke(update);
        Changed?.Invoke(update);
    }

    private static string CancelledMessage(string? by) => $"Cancelled by {by ?? "an administrator"}; nothing was kept.";

    private async Task RunAsync(ClaimedJob claimed, CancellationToken stoppingToken)
    {
        LabJobRecord? record;
        await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken).ConfigureAwait(false))
        {
            record = await db.Set<LabJobRecord>().AsNoTracking().FirstOrDefaultAsync(j => j.Id == claimed.SubjectId, stoppingToken).ConfigureAwait(false);
        }

        if (record is null || record.Status is LabJobStatus.Completed or LabJobStatus.Failed or LabJobStatus.Cancelled)
        {
            await EndAsync(claimed, null, null, null, null, CancellationToken.None).ConfigureAwait(false); // deleted, or ended by a node that died before it closed the job
            return;
        }

        if (claimed.CancelRequested)
        {
            await EndAsync(claimed, record, LabJobStatus.Cancelled, CancelledMessage(claimed.CancelledBy), null, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var takenOver = claimed.Attempts > 1 ? "Restarted from the start on this node: the node that had it stopped before finishing." : null;
        await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken).ConfigureAwait(false))
        {
            await db.Set<LabJobRecord>().Where(j => j.Id == record.Id).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, LabJobStatus.Running)
                .SetProperty(j => j.Node, queue.NodeId)
                .SetProperty(j => j.Progress, 0.0)
                .SetProperty(j => j.Message, takenOver), stoppingToken).ConfigureAwait(false);
        }

        using var run = new RunningLabJob(record.Id, stoppingToken);
        _running[record.Id] = run;
        Raise(new LabJobUpdate(record.Id, LabJobStatus.Running, 0, takenOver, queue.NodeId));
        using var stopBeat = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var beat = KeepLeaseAsync(claimed.Id, run, stopBeat.Token);
        try
        {
            var outcome = record.Kind == LabJobKind.Quantize
                ? await QuantizeAsync(record, run, claimed.Attempts > 1).ConfigureAwait(false)
                : await EvaluateAsync(record, run).ConfigureAwait(false);
            // Audited before the outcome is committed: a node that dies in between leaves the event of work it did, and
            // the node that takes the job over does it again (and audits it again).
            await audit.RecordAsync(outcome.AuditAction, record.RequestedBy, outcome.AuditDetail, CancellationToken.None).ConfigureAwait(false);
            await stopBeat.CancelAsync().ConfigureAwait(false);
            await beat.ConfigureAwait(false);
            await EndAsync(claimed, record, LabJobStatus.Completed, outcome.Message, outcome.Result, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            await stopBeat.CancelAsync().ConfigureAwait(false);
            await beat.ConfigureAwait(false);
            if (run.LeaseLost)
            {
                LogLeaseLost(logger, record.Description); // another node took it over; it writes the outcome
            }
            else if (run.CancelledBy is null && stoppingToken.IsCancellationRequested)
            {
                await ReleaseAsync(claimed, record).ConfigureAwait(false);
            }
            else
            {
                await EndAsync(claimed, record, LabJobStatus.Cancelled, CancelledMessage(run.CancelledBy), null, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is QuantizationRefusedException or EvaluationRefusedException or IOException or UnauthorizedAccessException
            or NativeLibraryUnavailableException or ModelUnavailableException or DbUpdateException or OfflineModelException or ArgumentException)
        {
            await stopBeat.CancelAsync().ConfigureAwait(false);
            await beat.ConfigureAwait(false);
            LogJobFailed(logger, record.Description, ex.Message);
            await EndAsync(claimed, record, LabJobStatus.Failed, ex.Message, null, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(record.Id, out _);
        }
    }

    private async Task<LabOutcome> QuantizeAsync(LabJobRecord record, RunningLabJob run, bool takenOver)
    {
        var target = QuantizationTarget.Parse(record.TargetType ?? "");
        var output = record.TargetPath ?? target.DefaultOutputPath(record.SourcePath);
        if (takenOver)
        {
            // The node that died may have left its half-written file: never kept, never promoted.
            File.Delete(output + ".partial");
        }

        var result = await ModelQuantizer.QuantizeAsync(record.SourcePath, output, target, run.Progress(this), inference.Value.Threads, inference.Value.NativeLibraryPath, run.Token).ConfigureAwait(false);
        var quantization = new QuantizationRecord
        {
            SourcePath = result.SourcePath,
            SourceSha256 = result.SourceSha256,
            SourceBytes = result.SourceBytes,
            TargetType = result.TargetType,
            OutputPath = result.OutputPath,
            OutputBytes = result.OutputBytes,
            DurationMs = result.Duration.TotalMilliseconds,
            RequestedBy = record.RequestedBy,
            CreatedUtc = DateTime.UtcNow,
        };
        var message = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(result.OutputPath)}: {result.SourceBytes:N0} → {result.OutputBytes:N0} bytes ({result.SizeRatio:P0}) in {result.Duration.TotalMilliseconds:N0} ms");
        return new LabOutcome(quantization, message, "quantize", $"{result.SourcePath} ({result.SourceSha256}) -> {result.OutputPath} {result.TargetType}");
    }

    private async Task<LabOutcome> EvaluateAsync(LabJobRecord record, RunningLabJob run)
    {
        var settings = new EvaluationSettings
        {
            Windows = record.Windows ?? options.Value.Windows,
            WindowTokens = record.WindowTokens ?? options.Value.WindowTokens,
            Threads = inference.Value.Threads,
            NativeLibraryPath = inference.Value.NativeLibraryPath,
        };
        var textName = record.TextName ?? "text";
        var report = await ModelEvaluator.EvaluateAsync(record.SourcePath, record.TargetPath!, record.Text ?? "", settings, engine, run.Progress(this), run.Token).ConfigureAwait(false);
        var message = string.Create(CultureInfo.InvariantCulture, $"PPL {report.Base.Perplexity:F3} → {report.Variant.Perplexity:F3}, KL {report.MeanKl:G4} (p99 {report.P99Kl:G4}), top-1 {report.Top1Agreement:P1}, {report.Windows}×{report.WindowTokens} tokens");
        return new LabOutcome(ToRecord(report, textName, record.RequestedBy), message, "evaluate", $"{report.Variant.Path} vs {report.Base.Path} on {textName} ({report.TextSha256}): KL {report.MeanKl:G4}");
    }

    /// <summary>
    /// Closes a job this node holds with its outcome, in one transaction: the job row (only while this node still holds
    /// it), the lab job's row and the result's record. A node that lost the job writes nothing.
    /// </summary>
    private async Task EndAsync(ClaimedJob claimed, LabJobRecord? record, LabJobStatus? status, string? message, object? result, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var now = DateTime.UtcNow;
            var held = await db.Set<BackgroundJobRecord>().Where(j => j.Id == claimed.Id && j.OwnerNode == queue.NodeId && j.FinishedAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, BackgroundJobStatus.Finished)
                    .SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), cancellationToken).ConfigureAwait(false);
            if (held == 0 || record is null || status is not { } ended)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            long? resultId = null;
            if (result is not null)
            {
                db.Add(result);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                resultId = result switch { QuantizationRecord q => q.Id, EvaluationRecord e => e.Id, _ => null };
            }

            var progress = ended == LabJobStatus.Completed ? 1.0 : _running.TryGetValue(record.Id, out var run) ? run.Value : 0;
            await db.Set<LabJobRecord>().Where(j => j.Id == record.Id).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ended)
                .SetProperty(j => j.Message, message)
                .SetProperty(j => j.Progress, progress)
                .SetProperty(j => j.ResultId, resultId)
                .SetProperty(j => j.Node, queue.NodeId)
                .SetProperty(j => j.FinishedUtc, now), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Raise(new LabJobUpdate(record.Id, ended, progress, message, queue.NodeId));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or DbUpdateException)
        {
            LogQueueUnavailable(logger, ex.Message); // past the lease another node takes the job over and does it again
        }
    }

    /// <summary>A graceful stop: the job goes back to the queue, for another node (or this one's next start) at once.</summary>
    private async Task ReleaseAsync(ClaimedJob claimed, LabJobRecord record)
    {
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await db.Set<LabJobRecord>().Where(j => j.Id == record.Id && j.Node == queue.NodeId && j.Status == LabJobStatus.Running).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, LabJobStatus.Queued)
                    .SetProperty(j => j.Message, "Queued again: the node working on it stopped."), CancellationToken.None).ConfigureAwait(false);
            }

            await queue.ReleaseAsync(claimed.Id, CancellationToken.None).ConfigureAwait(false);
            Raise(new LabJobUpdate(record.Id, LabJobStatus.Queued, 0, null, null));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            LogQueueUnavailable(logger, ex.Message);
        }
    }

    /// <summary>Extends the lease and saves the progress every heartbeat until <paramref name="stop"/>; stops the job when a cancel was asked or the lease was lost.</summary>
    private async Task KeepLeaseAsync(Guid jobId, RunningLabJob run, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(jobOptions.Value.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    var beat = await queue.HeartbeatAsync(jobId, stop).ConfigureAwait(false);
                    if (!beat.Held)
                    {
                        run.Lose();
                        return;
                    }

                    if (beat.CancelRequested)
                    {
                        run.CancelBy(beat.CancelledBy);
                    }

                    var progress = run.Value;
                    await using var db = await dbFactory.CreateDbContextAsync(stop).ConfigureAwait(false);
                    await db.Set<LabJobRecord>().Where(j => j.Id == run.Id && j.Status == LabJobStatus.Running && j.Node == queue.NodeId)
                        .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, progress), stop).ConfigureAwait(false);
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

    private void Reported(RunningLabJob run, double progress)
    {
        if (run.ShouldRaise(progress))
        {
            Raise(new LabJobUpdate(run.Id, LabJobStatus.Running, progress, null, queue.NodeId));
        }
    }

    private sealed record LabOutcome(object Result, string Message, string AuditAction, string AuditDetail);

    /// <summary>A job this node works on: its cancellation (asked here or on another node, or the lease lost) and progress.</summary>
    private sealed class RunningLabJob(Guid id, CancellationToken stopping) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        private double _value;
        private long _lastRaised;

        public Guid Id => id;

        public CancellationToken Token => _cancel.Token;

        public string? CancelledBy { get; private set; }

        public bool LeaseLost { get; private set; }

        public double Value => Volatile.Read(ref _value);

        /// <summary>At most four updates a second per job travel to the pages and the other nodes (and the last one).</summary>
        public bool ShouldRaise(double progress)
        {
            var now = Environment.TickCount64;
            if (progress < 1 && now - Interlocked.Read(ref _lastRaised) < 250)
            {
                return false;
            }

            Interlocked.Exchange(ref _lastRaised, now);
            return true;
        }

        public void CancelBy(string? by)
        {
            CancelledBy ??= by ?? "an administrator";
            _cancel.Cancel();
        }

        public void Lose()
        {
            LeaseLost = true;
            _cancel.Cancel();
        }

        public IProgress<double> Progress(LightweightingLab lab) => new InlineProgress(p =>
        {
            Volatile.Write(ref _value, p);
            lab.Reported(this, p);
        });

        public void Dispose() => _cancel.Dispose();
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post out of order).</summary>
    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lab job {Description} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, string description, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lab job {Description}: another node took it over (this node's lease lapsed); this node keeps nothing of it")]
    private static partial void LogLeaseLost(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The jobs table cannot be reached ({Reason}); lab jobs wait")]
    private static partial void LogQueueUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} lab jobs this node left running are queued again")]
    private static partial void LogReleased(ILogger logger, int count);
}
