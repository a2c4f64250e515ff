using System.Collections.Concurrent;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Runs generations independently of any circuit (singleton): they continue when the user leaves, and any page can
/// attach to one in flight. The growing answer is flushed to its row at least every <see cref="ConversationOptions.FlushIntervalMs"/>
/// or every <see cref="ConversationOptions.FlushEveryPieces"/> pieces, and ends complete, cancelled (stop), failed or
/// interrupted (host shutting down). Each answer in progress carries this node's name and a lease that the same loop
/// extends every <see cref="ConversationOptions.GenerationHeartbeatSeconds"/>; when the node dies, another node's
/// <see cref="GenerationLeaseSweeper"/> marks it interrupted once the lease has expired.
/// </summary>
public sealed partial class GenerationCoordinator(
    IChatClient chatClient,
    IDbContextFactory<WorkbenchDbContext> contextFactory,
    IOptions<ConversationOptions> options,
    IConversationAudit audit,
    ILogger<GenerationCoordinator> logger,
    NodeIdentity node,
    IModelStatus? modelStatus = null)
{
    private readonly ConcurrentDictionary<Guid, ActiveGeneration> _active = new();

    /// <summary>Counts database flushes of growing answers (a seam for tests).</summary>
    internal long Flushes => Interlocked.Read(ref _flushes);

    private long _flushes;

    public ActiveGeneration? Find(Guid answerId) => _active.GetValueOrDefault(answerId);

    public bool IsActive(Guid answerId) => _active.ContainsKey(answerId);

    public IReadOnlyCollection<Guid> ActiveIds => [.. _active.Keys];

    public int ActiveCount(string userId) => _active.Values.Count(a => a.Job.UserId == userId);

    public string? ModelName => modelStatus?.Info?.DisplayName;

    public string? ModelSha256 => modelStatus?.Info?.Sha256;

    /// <summary>This node's name, written on the answers it generates.</summary>
    public string NodeId => node.Id;

    /// <summary>When a lease taken or extended at <paramref name="now"/> expires.</summary>
    public DateTime LeaseFrom(DateTime now) => now + options.Value.GenerationLease;

    /// <summary>Starts the generation in the background; the answer row must already exist with status Generating.</summary>
    public ActiveGeneration Start(GenerationJob job)
    {
        var active = new ActiveGeneration(job);
        if (!_active.TryAdd(job.AnswerId, active))
        {
            throw new ConversationOperationException($"Answer {job.AnswerId} is already generating.");
        }

        _ = Task.Run(() => RunAsync(active));
        return active;
    }

    /// <summary>Stop: the answer keeps its text and ends Cancelled. False when it is not generating.</summary>
    public bool Cancel(Guid answerId)
    {
        if (!_active.TryGetValue(answerId, out var active))
        {
            return false;
        }

        active.Cancellation.Cancel();
        return true;
    }

    /// <summary>Host shutdown: every generation ends Interrupted with its text saved.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        var all = _active.Values.ToList();
        foreach (var active in all)
        {
            active.ShuttingDown = true;
            await active.Cancellation.CancelAsync();
        }

        await Task.WhenAll(all.Select(a => a.Completion)).WaitAsync(cancellationToken);
    }

    private async Task RunAsync(ActiveGeneration active)
    {
        var job = active.Job;
        var settings = options.Value;
        var status = MessageStatus.Complete;
        string? error = null;
        string? finishReason = null;
        int? promptTokens = null;
        int? completionTokens = null;
        var piecesAtFlush = 0;
        using var stopPeriodic = new CancellationTokenSource();
        var periodic = FlushPeriodicallyAsync(active, TimeSpan.FromMilliseconds(settings.FlushIntervalMs), settings.GenerationHeartbeat, stopPeriodic.Token);
        var chatOptions = new ChatOptions
        {
            Temperature = job.Temperature,
            TopP = job.TopP,
            MaxOutputTokens = job.MaxTokens,
            Seed = job.Seed,
        }.ForUser(job.UserId).WithPriority(RequestPriority.Interactive);
        try
        {
            var token = active.Cancellation.Token;
            await foreach (var update in chatClient.GetStreamingResponseAsync(job.Prompt, chatOptions, token).ConfigureAwait(false))
            {
                if (update.GetQueuePosition() is { } queue)
                {
                    active.SetQueuePosition(queue);
                }

                var text = update.Text;
                if (text.Length > 0)
                {
                    active.Append(text);
                }

                if (update.FinishReason is { } reason)
                {
                    finishReason = reason.Value;
                }

                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    promptTokens = (int?)usage.Details.InputTokenCount;
                    completionTokens = (int?)usage.Details.OutputTokenCount;
                }

                if (active.Pieces - piecesAtFlush >= settings.FlushEveryPieces)
                {
                    piecesAtFlush = active.Pieces;
                    await FlushAsync(active).ConfigureAwait(false);
                    token.ThrowIfCancellationRequested();
                }
            }

            if (finishReason == "cancelled")
            {
                status = active.ShuttingDown ? MessageStatus.Interrupted : MessageStatus.Cancelled;
            }
        }
        catch (OperationCanceledException) when (active.Cancellation.IsCancellationRequested)
        {
            status = active.ShuttingDown ? MessageStatus.Interrupted : MessageStatus.Cancelled;
            finishReason ??= "cancelled";
        }
#pragma warning disable CA1031 // a failed generation is recorded on its row with its reason; the process keeps serving
        catch (Exception ex)
#pragma warning restore CA1031
        {
            status = MessageStatus.Failed;
            error = ex.Message;
            LogFailed(logger, job.AnswerId, ex);
        }

        await stopPeriodic.CancelAsync().ConfigureAwait(false);
        await periodic.ConfigureAwait(false);
        try
        {
            var final = new FinalState(status, error, finishReason, promptTokens, completionTokens ?? active.Pieces);
            // A full disk, a database locked for long or a PostgreSQL server that went away refuses the final write: the
            // answer stays in memory, shown as it is, and the write is retried until it lands, so the workbench recovers by
            // itself once space (or the server) returns.
            for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxFinalWriteRetryDelay.Ticks)))
            {
                try
                {
                    await WriteFinalAsync(active, final).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when ((ex is System.Data.Common.DbException or IOException || ex.InnerException is System.Data.Common.DbException) && !active.ShuttingDown)
                {
                    LogFinalWriteRetry(logger, job.AnswerId, delay.TotalSeconds, ex.Message);
                    await Task.Delay(delay).ConfigureAwait(false);
                }
            }

            try
            {
                await audit.GenerationEndedAsync(new GenerationAuditEvent(
                    job.Actor, job.SessionId, job.AnswerId, ModelName, ModelSha256, job.Temperature, job.TopP, job.MaxTokens, job.Seed, status, job.Marking), CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // the answer is saved; a missing audit record is logged loudly
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ConversationAuditLog.GenerationAuditFailed(logger, job.AnswerId, ex);
            }
        }
#pragma warning disable CA1031 // the start-up recovery marks the row interrupted if this final write failed
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFinalWriteFailed(logger, job.AnswerId, ex);
        }
        finally
        {
            _active.TryRemove(job.AnswerId, out _);
            active.Finish();
        }
    }

    private static readonly TimeSpan MaxFinalWriteRetryDelay = TimeSpan.FromSeconds(5);

    private sealed record FinalState(MessageStatus Status, string? Error, string? FinishReason, int? PromptTokens, int CompletionTokens);

    private async Task WriteFinalAsync(ActiveGeneration active, FinalState final)
    {
        var (text, _) = active.Snapshot();
        var now = DateTime.UtcNow;
        await using var db = await contextFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
        await db.Messages.Where(m => m.Id == active.AnswerId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Content, text)
            .SetProperty(m => m.Status, final.Status)
            .SetProperty(m => m.Error, final.Error)
            .SetProperty(m => m.FinishReason, final.FinishReason)
            .SetProperty(m => m.PromptTokens, final.PromptTokens)
            .SetProperty(m => m.CompletionTokens, final.CompletionTokens)
            .SetProperty(m => m.UpdatedAt, now)
            .SetProperty(m => m.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(m => m.CompletedAt, now), CancellationToken.None).ConfigureAwait(false);
        await db.Sessions.Where(s => s.Id == active.Job.SessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.UpdatedAt, now), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// At least every flush interval, the text that arrived since the last flush goes to the row; at least every heartbeat
    /// the answer's lease is extended (a flush extends it too), also while the answer waits in the model's queue.
    /// </summary>
    private async Task FlushPeriodicallyAsync(ActiveGeneration active, TimeSpan interval, TimeSpan heartbeat, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval < heartbeat ? interval : heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await FlushAsync(active).ConfigureAwait(false);
                if (DateTime.UtcNow - active.LeaseRenewedAt >= heartbeat)
                {
                    await RenewLeaseAsync(active).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task RenewLeaseAsync(ActiveGeneration active)
    {
        try
        {
            var now = DateTime.UtcNow;
            await using var db = await contextFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
            await db.Messages.Where(m => m.Id == active.AnswerId && m.Status == MessageStatus.Generating)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseExpiresAt, LeaseFrom(now)), CancellationToken.None).ConfigureAwait(false);
            active.LeaseRenewedAt = now;
        }
        catch (System.Data.Common.DbException ex)
        {
            // The next tick tries again; a lease lost meanwhile marks the answer interrupted on another node.
            LogFlushFailed(logger, active.AnswerId, ex);
        }
    }

    private async Task FlushAsync(ActiveGeneration active)
    {
        await active.FlushLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var (text, length) = active.Snapshot();
            if (length == active.FlushedLength)
            {
                return;
            }

            var now = DateTime.UtcNow;
            await using var db = await contextFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
            await db.Messages.Where(m => m.Id == active.AnswerId && m.Status == MessageStatus.Generating).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Content, text)
                .SetProperty(m => m.CompletionTokens, active.Pieces)
                .SetProperty(m => m.LeaseExpiresAt, LeaseFrom(now))
                .SetProperty(m => m.UpdatedAt, now), CancellationToken.None).ConfigureAwait(false);
            active.FlushedLength = length;
            active.LeaseRenewedAt = now;
            Interlocked.Increment(ref _flushes);
        }
        catch (System.Data.Common.DbException ex)
        {
            // A busy database delays this flush; the next one (or the final write) carries the text.
            LogFlushFailed(logger, active.AnswerId, ex);
        }
        finally
        {
            active.FlushLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation of answer {AnswerId} failed")]
    private static partial void LogFailed(ILogger logger, Guid answerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The final state of answer {AnswerId} could not be written; start-up recovery will mark it interrupted")]
    private static partial void LogFinalWriteFailed(ILogger logger, Guid answerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The final state of answer {AnswerId} could not be written ({Reason}); retrying in {Seconds} s")]
    private static partial void LogFinalWriteRetry(ILogger logger, Guid answerId, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flushing answer {AnswerId} failed; the text is kept in memory until the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Guid answerId, Exception exception);
}
