using System.Collections.Concurrent;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Documents.Jobs;

/// <summary>Where a summary job stands: <see cref="Done"/> of <see cref="Total"/> model calls.</summary>
public sealed record SummaryJobUpdate(Guid SummaryId, Guid DocumentId, SummaryStatus Status, int Done, int Total, string? Error)
{
    public double Fraction => Total == 0 ? 0 : (double)Done / Total;
}

/// <summary>A parse job finished (or started): the document's new status.</summary>
/// <summary>A parse job's state; while it is still parsing, <paramref name="Progress"/> is the page OCR (or pdftotext) has reached.</summary>
public sealed record ParseJobUpdate(Guid DocumentId, DocumentStatus Status, string? FailureReason, ParseProgress? Progress = null);

/// <summary>
/// The background jobs of the Documents feature, one runner per node (singleton + hosted service): parsing of stored
/// uploads in the worker process (one at a time; the worker is one process) and map-reduce summaries through the app's
/// <see cref="IChatClient"/> at background priority (<see cref="DocumentOptions.ConcurrentSummaries"/> at a time).
/// The work is a row in the jobs table (<see cref="JobQueue"/>), claimed by exactly one node, held by a lease the node
/// extends by heartbeats, taken over by another node when its node dies (a summary resumes from its saved chunk
/// summaries), and cancelled from any node. Jobs outlive the page that started them; any circuit on the running node
/// observes them through <see cref="SummaryChanged"/> and <see cref="ParseChanged"/>. At start-up, jobs this node left
/// running are queued again, summaries left queued or running without a job (older rows) are marked
/// <see cref="SummaryStatus.Interrupted"/>, and stored documents waiting to be parsed without a job get one.
/// </summary>
public sealed partial class DocumentJobs(
    IDbContextFactory<WorkbenchDbContext> contextFactory,
    DocumentLibrary library,
    IChatClient chat,
    ITokenCounter tokens,
    IModelStatus model,
    IOptions<DocumentOptions> options,
    IAuditLog audit,
    TimeProvider clock,
    JobQueue queue,
    IOptions<JobOptions> jobOptions,
    ILogger<DocumentJobs> logger) : BackgroundService
{
    private readonly SemaphoreSlim _parseWork = new(0);
    private readonly SemaphoreSlim _summaryWork = new(0);
    private readonly ConcurrentDictionary<(string Kind, Guid Subject), WorkbenchActor> _actors = new();
    private readonly ConcurrentDictionary<Guid, SummaryJob> _jobs = new();
    private readonly ConcurrentDictionary<Guid, ParseProgress> _parseProgress = new();
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised from a background thread on every progress step and status change of a summary job.</summary>
    public event Action<SummaryJobUpdate>? SummaryChanged;

    /// <summary>Raised from a background thread when a document's parsing finishes (ready or failed).</summary>
    public event Action<ParseJobUpdate>? ParseChanged;

    /// <summary>Raises <see cref="SummaryChanged"/> for a job another node runs (relayed by the cluster); this node's job state is untouched.</summary>
    public void RaiseRemote(SummaryJobUpdate update) => SummaryChanged?.Invoke(update);

    /// <summary>Raises <see cref="ParseChanged"/> for a parse another node runs (relayed by the cluster); this node's job state is untouched.</summary>
    public void RaiseRemote(ParseJobUpdate update) => ParseChanged?.Invoke(update);

    /// <summary>Completes once start-up recovery (interrupted summaries, pending parses) has run.</summary>
    public Task Recovered => _recovered.Task;

    /// <summary>The live state of a summary job this node is running; null otherwise (the summary's row says where it stands).</summary>
    public SummaryJobUpdate? Progress(Guid summaryId) => _jobs.TryGetValue(summaryId, out var job) ? job.Last : null;

    /// <summary>How far the parse of a document now in the worker has come (the page OCR is reading); null when none is under way or the format reports none.</summary>
    public ParseProgress? ParseProgressOf(Guid documentId) => _parseProgress.TryGetValue(documentId, out var step) ? step : null;

    /// <summary>Queues the parsing of a stored document (status <see cref="DocumentStatus.Parsing"/>) for whichever node claims it first.</summary>
    public async ValueTask EnqueueParseAsync(Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        _actors[(JobKinds.Parse, documentId)] = actor;
        await queue.EnqueueAsync(JobKinds.Parse, documentId, actor.UserId, actor.Name, cancellationToken);
        _parseWork.Release();
    }

    /// <summary>
    /// Starts a summary of a ready document the user may read; returns the summary's id at once. The start is audited
    /// with the document's marking, which the summary carries.
    /// </summary>
    public async Task<Guid> StartSummaryAsync(Guid documentId, SummaryMode mode, UserAuthorization user, string userName, WorkbenchActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var document = await library.GetAsync(documentId, user, cancellationToken) ?? throw new DocumentNotFoundException(documentId);
        if (document.Status != DocumentStatus.Ready)
        {
            throw new DocumentRefusedException($"{document.FileName} is not ready ({document.Status}); only a parsed document can be summarized.");
        }
        var record = new SummaryRecord
        {
            Id = Guid.NewGuid(),
            DocumentId = documentId,
            Mode = mode,
            Status = SummaryStatus.Queued,
            Marking = document.Marking,
            RequestedBy = userName,
            StartedAt = clock.GetUtcNow(),
        };
        await audit.WriteAsync(SummaryEvent(actor, record, "start"), cancellationToken);
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Summaries.Add(record);
            db.Set<BackgroundJobRecord>().Add(JobQueue.NewJob(JobKinds.Summary, record.Id, actor.UserId, actor.Name));
            await db.SaveChangesAsync(cancellationToken);
        }
        Queued(record, actor);
        return record.Id;
    }

    /// <summary>
    /// Resumes an interrupted (or cancelled) summary: the chunk summaries it saved are reused and only the rest is asked
    /// of the model. Returns false when there is no such summary the user may read, or it is not resumable.
    /// </summary>
    public async Task<bool> ResumeAsync(Guid summaryId, UserAuthorization user, WorkbenchActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        SummaryRecord? record;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            record = await db.Summaries.FirstOrDefaultAsync(s => s.Id == summaryId, cancellationToken);
            if (record is null || record.Status is not (SummaryStatus.Interrupted or SummaryStatus.Cancelled)
                || await library.GetAsync(record.DocumentId, user, cancellationToken) is null
                || await db.Set<BackgroundJobRecord>().AnyAsync(j => j.Kind == JobKinds.Summary && j.SubjectId == summaryId && j.FinishedAt == null, cancellationToken))
            {
                return false;
            }
            await audit.WriteAsync(SummaryEvent(actor, record, "resume"), cancellationToken);
            record.Status = SummaryStatus.Queued;
            record.Error = null;
            record.FinishedAt = null;
            db.Set<BackgroundJobRecord>().Add(JobQueue.NewJob(JobKinds.Summary, record.Id, actor.UserId, actor.Name));
            await db.SaveChangesAsync(cancellationToken);
        }
        Queued(record, actor);
        return true;
    }

    /// <summary>
    /// Asks a running or queued summary to stop, whichever node runs it: on this node at once, on another at its next
    /// heartbeat (<see cref="JobOptions.HeartbeatSeconds"/>). It stops within one model call and is saved as cancelled.
    /// False when the summary has no unfinished job.
    /// </summary>
    public async Task<bool> CancelAsync(Guid summaryId, string? cancelledBy = null, CancellationToken cancellationToken = default)
    {
        var asked = await queue.RequestCancelAsync(JobKinds.Summary, summaryId, cancelledBy ?? "a user", cancellationToken);
        if (_jobs.TryGetValue(summaryId, out var job))
        {
            job.CancelledBy ??= cancelledBy;
            try
            {
                await job.Cancel.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile.
            }
            return true;
        }
        return asked;
    }

    /// <summary>The document's summaries (newest first) when the user may read the document; empty otherwise.</summary>
    public async Task<IReadOnlyList<SummaryRecord>> ListSummariesAsync(Guid documentId, UserAuthorization user, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.Documents.AsNoTracking().FirstOrDefaultAsync(d => d.Id == documentId && d.DeletedAt == null, cancellationToken);
        if (document is null || !Access.Dominates(user, MarkingStorage.FromStorage(document.Marking)))
        {
            return [];
        }
        var summaries = await db.Summaries.AsNoTracking().Where(s => s.DocumentId == documentId).ToListAsync(cancellationToken);
        return summaries.OrderByDescending(s => s.StartedAt).ToList();
    }

    private async Task FinishAsync(SummaryRecord record, SummaryJob job, SummaryStatus status, int done, int total, string? text, string? error)
    {
        await using (var db = await contextFactory.CreateDbContextAsync(CancellationToken.None))
        {
            db.Attach(record);
            record.Status = status;
            record.ChunksDone = done;
            record.ChunksTotal = total;
            record.Text = text;
            record.Error = error;
            record.FinishedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(CancellationToken.None);
        }
        try
        {
            var outcome = status switch
            {
                SummaryStatus.Completed => AuditOutcomes.Success,
                SummaryStatus.Failed => AuditOutcomes.Failure,
                _ => AuditOutcomes.Success,
            };
            await audit.WriteAsync(SummaryEvent(job.Actor, record, "finish") with { Outcome = outcome }, CancellationToken.None);
        }
        catch (AuditUnavailableException ex)
        {
            LogAuditUnavailable(logger, record.Id, ex);
        }
        Report(job, record.Id, status, done, total, error);
    }

    /// <summary>A job started while the model is still loading waits for it (checked every 200 ms) instead of failing.</summary>
    private async Task WaitForModelAsync(CancellationToken cancellationToken)
    {
        while (model.State == ModelState.Loading)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellationToken);
        }
    }

    /// <summary>The summarizer for the model's context; refused when the instructions and answer leave no room for text.</summary>
    private MapReduceSummarizer Summarizer(string userName)
    {
        var maxTokens = options.Value.SummaryMaxTokens;
        var context = model.Info?.ContextLength ?? options.Value.SummaryContextTokens;
        var summarizer = new MapReduceSummarizer(chat, tokens, new SummarizerSettings { ContextTokens = context, MaxSummaryTokens = maxTokens, UserId = userName });
        if (summarizer.TextTokens < 64)
        {
            throw new DocumentRefusedException(
                $"The model's context ({context} tokens) leaves no room for text after the instructions and {maxTokens} tokens of answer; lower Documents:SummaryMaxTokens or raise Inference:ContextSize.");
        }
        return summarizer;
    }

    private void Report(SummaryJob job, Guid summaryId, SummaryStatus status, int done, int total, string? error)
    {
        job.Last = new SummaryJobUpdate(summaryId, job.DocumentId, status, done, total, error);
        Raise(job.Last);
    }

    private void Raise(SummaryJobUpdate update)
    {
        foreach (var handler in SummaryChanged?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<SummaryJobUpdate>)handler)(update);
            }
#pragma warning disable CA1031 // an observer's failure must not stop the job
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogObserverFailed(logger, ex);
            }
        }
    }

    private void RaiseParse(ParseJobUpdate update)
    {
        foreach (var handler in ParseChanged?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<ParseJobUpdate>)handler)(update);
            }
#pragma warning disable CA1031 // an observer's failure must not stop the job
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogObserverFailed(logger, ex);
            }
        }
    }

    private static AuditEvent SummaryEvent(WorkbenchActor actor, SummaryRecord record, string stage) =>
        AuditEvent.For(actor, AuditActions.Summary, record.DocumentId.ToString(), details: new
        {
            stage,
            summaryId = record.Id,
            mode = record.Mode.ToString(),
            status = record.Status.ToString(),
            chunksDone = record.ChunksDone,
            chunksTotal = record.ChunksTotal,
        }) with { Marking = MarkingStorage.FromStorage(record.Marking) };

    private sealed class SummaryJob(Guid documentId, string userName, WorkbenchActor actor)
    {
        public Guid DocumentId { get; } = documentId;

        public string UserName { get; } = userName;

        public WorkbenchActor Actor { get; } = actor;

        public CancellationTokenSource Cancel { get; } = new();

        public required SummaryJobUpdate Last { get; set; }

        /// <summary>Who asked to cancel (on any node), for the saved reason.</summary>
        public string? CancelledBy { get; set; }

        /// <summary>Another node took the job over (this node's lease lapsed): this node stops without writing the summary.</summary>
        public bool LeaseLost { get; set; }
    }

    private sealed class InlineParseProgress(Action<ParseProgress> report) : IProgress<ParseProgress>
    {
        public void Report(ParseProgress value) => report(value);
    }

    private sealed class InlineProgress(Action<SummaryProgress> report) : IProgress<SummaryProgress>
    {
        public void Report(SummaryProgress value) => report(value);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} jobs left running by this node's previous process are queued again")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease on job {JobId} was lost to another node; this node stops working on it")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The jobs table could not be read or written ({Reason}); trying again")]
    private static partial void LogQueueUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} summaries were left running by the previous process and are marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Parsing document {DocumentId} failed unexpectedly")]
    private static partial void LogParseFailed(ILogger logger, Guid documentId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Summary {SummaryId} failed")]
    private static partial void LogSummaryFailed(ILogger logger, Guid summaryId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The end of summary {SummaryId} could not be audited")]
    private static partial void LogAuditUnavailable(ILogger logger, Guid summaryId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A document job observer failed")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception);
}
