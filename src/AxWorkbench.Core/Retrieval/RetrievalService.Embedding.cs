using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using AxWorkbench.Core.Documents.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// Embedding off the request path: a document added to a library is searchable by BM25 at once and waits as
/// <see cref="RetrievalDocumentStatus.Indexing"/> until <see cref="EmbeddingWorker"/> gives its chunks their vectors.
/// The waiting documents are rows in the database, so work left at a stop is taken up again at the next start.
/// </summary>
public sealed partial class RetrievalService
{
    private readonly ConcurrentDictionary<Guid, bool> _failed = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised (from background work) when a document was added, removed, or its vectors became ready: a library's indexing count may have changed.</summary>
    public event Action? IndexingStatusChanged;

    /// <summary>The document's indexing status; null when it is not in any library.</summary>
    public async Task<RetrievalDocumentStatus?> GetIndexingStatusAsync(Guid documentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.RetrievalDocuments.AsNoTracking().Where(d => d.DocumentId == documentId).Select(d => (RetrievalDocumentStatus?)d.Status).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Completes when the document is no longer <see cref="RetrievalDocumentStatus.Indexing"/> (ready, removed, or its embedding failed).</summary>
    public async Task WhenIndexedAsync(Guid documentId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (_failed.ContainsKey(documentId) || await GetIndexingStatusAsync(documentId, cancellationToken) != RetrievalDocumentStatus.Indexing)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes when no document waits for its vectors (those whose embedding failed aside).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                var failed = _failed.Keys.ToList();
                if (!await db.RetrievalDocuments.AnyAsync(d => d.Status == RetrievalDocumentStatus.Indexing && !failed.Contains(d.DocumentId), cancellationToken))
                {
                    return;
                }
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes at the next change of any document's indexing status (the worker waits on this for work).</summary>
    internal Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>The jobs-table kind of embedding work: one job per document waiting for its vectors.</summary>
    public const string EmbedJobKind = "embed";

    /// <summary>How often an idle embedding worker looks for work other nodes queued or abandoned; infinite without the jobs table.</summary>
    internal TimeSpan EmbeddingPoll => jobs?.PollInterval ?? Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Embeds one document waiting for its vectors and marks it ready; false when none waits (or every waiting one is
    /// held by another node). The vectors live in the shared database, so across nodes a document is embedded once: each
    /// waiting document gets a job in the shared jobs table, a node claims it (a lease extended by heartbeats while it
    /// embeds), and a document whose node died is claimed by another node once the lease has expired. The vectors are
    /// computed outside the write lock (the slow part) and stored under it only if the same version is still waiting (a
    /// document replaced or removed meanwhile is left to its newer state). A document whose embedding fails is logged
    /// and left waiting, BM25-searchable, until the next start (each node tries it once).
    /// </summary>
    public async Task<bool> EmbedNextAsync(CancellationToken cancellationToken)
    {
        if (jobs is null)
        {
            return await EmbedPendingDocumentAsync(null, cancellationToken);
        }

        await QueueWaitingDocumentsAsync(jobs, cancellationToken);
        if (await jobs.ClaimAsync(EmbedJobKind, cancellationToken) is not { } claimed)
        {
            return false;
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopBeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lost = false;
        var beat = KeepEmbedLeaseAsync(jobs, claimed.Id, () =>
        {
            lost = true;
            lease.Cancel();
        }, stopBeat.Token);
        try
        {
            await EmbedPendingDocumentAsync(claimed.SubjectId, lease.Token);
        }
        catch (OperationCanceledException) when (lost && !cancellationToken.IsCancellationRequested)
        {
            LogEmbedLeaseLost(logger, claimed.SubjectId); // another node took the document over
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stopBeat.CancelAsync();
            await beat;
            await jobs.ReleaseAsync(claimed.Id, CancellationToken.None); // stopping: any node takes it up at once
            throw;
        }
        finally
        {
            await stopBeat.CancelAsync();
            await beat;
        }

        await jobs.FinishAsync(claimed.Id, CancellationToken.None);
        return true;
    }

    /// <summary>Gives each waiting document (not failed here) a queued embed job if it has no unfinished one.</summary>
    private async Task QueueWaitingDocumentsAsync(JobQueue queue, CancellationToken cancellationToken)
    {
        List<Guid> waiting;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var failed = _failed.Keys.ToList();
            waiting = await db.RetrievalDocuments.AsNoTracking()
                .Where(d => d.Status == RetrievalDocumentStatus.Indexing && !failed.Contains(d.DocumentId))
                .Where(d => !db.Set<BackgroundJobRecord>().Any(j => j.Kind == EmbedJobKind && j.SubjectId == d.DocumentId && j.FinishedAt == null))
                .Select(d => d.DocumentId).ToListAsync(cancellationToken);
        }

        foreach (var documentId in waiting)
        {
            await queue.EnqueueAsync(EmbedJobKind, documentId, _node, _node, cancellationToken); // false: another node queued it first
        }
    }

    private async Task KeepEmbedLeaseAsync(JobQueue queue, Guid jobId, Action lost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(queue.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    if (!(await queue.HeartbeatAsync(jobId, stop)).Held)
                    {
                        lost();
                        return;
                    }
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException && !stop.IsCancellationRequested)
                {
                    LogEmbedHeartbeatFailed(logger, ex.Message); // the next beat tries again; past the lease another node may take over
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Embeds <paramref name="claimedDocument"/> (or, without the jobs table, the first waiting document); false when there is none to embed.</summary>
    private async Task<bool> EmbedPendingDocumentAsync(Guid? claimedDocument, CancellationToken cancellationToken)
    {
        Guid documentId;
        int version;
        List<RetrievalChunk> chunks;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var failed = _failed.Keys.ToList();
            var pending = await db.RetrievalDocuments.AsNoTracking()
                .Where(d => d.Status == RetrievalDocumentStatus.Indexing && !failed.Contains(d.DocumentId))
                .Where(d => claimedDocument == null || d.DocumentId == claimedDocument)
                .Select(d => new { d.DocumentId, d.Version }).FirstOrDefaultAsync(cancellationToken);
            if (pending is null)
            {
                return false; // ready already (a node that died after storing the vectors), removed, or failed here
            }

            (documentId, version) = (pending.DocumentId, pending.Version);
            chunks = await db.Chunks.AsNoTracking().Where(c => c.DocumentId == documentId && c.Version == version).OrderBy(c => c.Ordinal).ToListAsync(cancellationToken);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await host.EmbedAsync(chunks, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _failed[documentId] = true;
            LogEmbeddingFailed(logger, documentId, version, ex.Message);
            IndexingChanged();
            return true;
        }

        var index = await host.GetAsync(cancellationToken);
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await RetrievalChangeLog.BeginLoggedAsync(db, cancellationToken);
            var document = await db.RetrievalDocuments.FirstOrDefaultAsync(d => d.DocumentId == documentId, cancellationToken);
            if (document is { Status: RetrievalDocumentStatus.Indexing } && document.Version == version)
            {
                db.Chunks.AttachRange(chunks);
                foreach (var chunk in chunks)
                {
                    db.Entry(chunk).Property(c => c.Vector).IsModified = true;
                }

                document.Status = RetrievalDocumentStatus.Ready;
                LogChange(db, documentId, RetrievalChangeKind.Vectors);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                index.SetVectors(chunks.Where(c => c.Vector is not null).ToDictionary(c => c.Id, c => MemoryMarshal.Cast<byte, float>(c.Vector).ToArray()));
                LogDocumentEmbedded(logger, documentId, version, chunks.Count, clock.ElapsedMilliseconds);
            }
        }
        finally
        {
            _writes.Release();
        }

        ChangesCommitted?.Invoke();
        IndexingChanged();
        return true;
    }

    /// <summary>Embeds every waiting document now (the import command, which runs without the background worker).</summary>
    public async Task<int> EmbedPendingAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        while (await EmbedNextAsync(cancellationToken))
        {
            count++;
        }

        return count;
    }

    private void IndexingChanged()
    {
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        IndexingStatusChanged?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {DocumentId} v{Version} embedded: {Chunks} chunks in {Milliseconds} ms; ready")]
    private static partial void LogDocumentEmbedded(ILogger logger, Guid documentId, int version, int chunks, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding document {DocumentId}: another node took it over (this node's lease lapsed)")]
    private static partial void LogEmbedLeaseLost(ILogger logger, Guid documentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The jobs table cannot be reached ({Reason}); embedding continues, the lease is renewed at the next beat")]
    private static partial void LogEmbedHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedding document {DocumentId} v{Version} failed ({Reason}); it stays searchable by words only and is retried at the next start")]
    private static partial void LogEmbeddingFailed(ILogger logger, Guid documentId, int version, string reason);
}
