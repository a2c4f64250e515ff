using AxWorkbench.Core.Actors;
using System.Collections.Concurrent;
using System.Threading.Channels;
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
/// The background jobs of the Documents feature, one per app (singleton + hosted service): parsing of stored uploads in
/// the worker process (one at a time; the worker is one process) and map-reduce summaries through the app's
/// <see cref="IChatClient"/> at background priority (<see cref="DocumentOptions.ConcurrentSummaries"/> at a time).
/// Jobs outlive the page that started them; any circuit observes them through <see cref="SummaryChanged"/> and
/// <see cref="ParseChanged"/>. At start-up, summaries left queued or running by a previous process are marked
/// <see cref="SummaryStatus.Interrupted"/> (resumable from their saved chunk summaries) and stored documents still
/// waiting to be parsed are queued again.
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
    ILogger<DocumentJobs> logger) : BackgroundService
{
    private readonly Channel<(Guid DocumentId, WorkbenchActor Actor)> _parses = Channel.CreateUnbounded<(Guid, WorkbenchActor)>();
    private readonly Channel<Guid> _summaries = Channel.CreateUnbounded<Guid>();
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

    /// <summary>The live state of a summary job this process is running or has queued; null otherwise.</summary>
    public SummaryJobUpdate? Progress(Guid summaryId) => _jobs.TryGetValue(summaryId, out var job) ? job.Last : null;

    /// <summary>How far the parse of a document now in the worker has come (the page OCR is reading); null when none is under way or the format reports none.</summary>
    public ParseProgress? ParseProgressOf(Guid documentId) => _parseProgress.TryGetValue(documentId, out var step) ? step : null;

    /// <summary>Queues the parsing of a stored document (status <see cref="DocumentStatus.Parsing"/>).</summary>
    public ValueTask EnqueueParseAsync(Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken = default) =>
        _parses.Writer.WriteAsync((documentId, actor), cancellationToken);

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
            await db.SaveChangesAsync(cancellationToken);
        }
        await QueueAsync(record, actor, cancellationToken);
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
                || await library.GetAsync(record.DocumentId, user, cancellationToken) is null || _jobs.ContainsKey(summaryId))
            {
                return false;
            }
            await audit.WriteAsync(SummaryEvent(actor, record, "resume"), cancellationToken);
            record.Status = SummaryStatus.Queued;
            record.Error = null;
            record.FinishedAt = null;
            await db.SaveChangesAsync(cancellationToken);
        }
        await QueueAsync(record, actor, cancellationToken);
        return true;
    }

    /// <summary>Asks a running or queued summary to stop; it stops within one model call and is saved as cancelled.</summary>
    public bool Cancel(Guid summaryId)
    {
        if (!_jobs.TryGetValue(summaryId, out var job))
        {
            return false;
        }
        job.Cancel.Cancel();
        return true;
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
        var loops = new List<Task> { Task.Run(() => ParseLoopAsync(stoppingToken), CancellationToken.None) };
        for (var i = 0; i < options.Value.ConcurrentSummaries; i++)
        {
            loops.Add(Task.Run(() => SummaryLoopAsync(stoppingToken), CancellationToken.None));
        }
        await Task.WhenAll(loops);
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var left = await db.Summaries.Where(s => s.Status == SummaryStatus.Queued || s.Status == SummaryStatus.Running).ToListAsync(cancellationToken);
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
        foreach (var (id, uploader) in await library.PendingParsesAsync(cancellationToken))
        {
            await EnqueueParseAsync(id, new WorkbenchActor(uploader, uploader, [], new UserAuthorization(ClassificationLevel.Unclassified, new HashSet<string>())), cancellationToken);
        }
    }

    private async Task QueueAsync(SummaryRecord record, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        var job = new SummaryJob(record.DocumentId, record.RequestedBy, actor)
        {
            Last = new SummaryJobUpdate(record.Id, record.DocumentId, SummaryStatus.Queued, record.ChunksDone, record.ChunksTotal, null),
        };
        _jobs[record.Id] = job;
        Raise(job.Last);
        await _summaries.Writer.WriteAsync(record.Id, cancellationToken);
    }

    private async Task ParseLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (documentId, actor) in _parses.Reader.ReadAllAsync(stoppingToken))
            {
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
                        document = await library.ParseStoredAsync(documentId, actor, stoppingToken, progress);
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
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return; // still "parsing": queued again at the next start
                }
#pragma warning disable CA1031 // a background job must never stop the loop; the reason is logged
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogParseFailed(logger, documentId, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SummaryLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var summaryId in _summaries.Reader.ReadAllAsync(stoppingToken))
            {
                if (_jobs.TryGetValue(summaryId, out var job))
                {
                    await RunSummaryAsync(summaryId, job, stoppingToken);
                    _jobs.TryRemove(summaryId, out _);
                    job.Cancel.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Jobs still queued when the app stops stay "queued" in the database: the next start marks them interrupted.
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
        catch (OperationCanceledException) when (token.IsCancellationRequested && record is not null)
        {
            var status = stoppingToken.IsCancellationRequested ? SummaryStatus.Interrupted : SummaryStatus.Cancelled;
            var reason = status == SummaryStatus.Interrupted
                ? "The application stopped while this summary was being made; resume it to continue from the saved chunk summaries."
                : $"Cancelled by {job.Actor.Name}.";
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
    }

    private sealed class InlineParseProgress(Action<ParseProgress> report) : IProgress<ParseProgress>
    {
        public void Report(ParseProgress value) => report(value);
    }

    private sealed class InlineProgress(Action<SummaryProgress> report) : IProgress<SummaryProgress>
    {
        public void Report(SummaryProgress value) => report(value);
    }

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
