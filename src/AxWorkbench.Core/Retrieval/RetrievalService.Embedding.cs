using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// Embeds one document waiting for its vectors and marks it ready; false when none waits. The vectors are computed
    /// outside the write lock (the slow part) and stored under it only if the same version is still waiting (a document
    /// replaced or removed meanwhile is left to its newer state). A document whose embedding fails is logged and left
    /// waiting, BM25-searchable, until the next start.
    /// </summary>
    public async Task<bool> EmbedNextAsync(CancellationToken cancellationToken)
    {
        Guid documentId;
        int version;
        List<RetrievalChunk> chunks;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var failed = _failed.Keys.ToList();
            var pending = await db.RetrievalDocuments.AsNoTracking()
                .Where(d => d.Status == RetrievalDocumentStatus.Indexing && !failed.Contains(d.DocumentId))
                .Select(d => new { d.DocumentId, d.Version }).FirstOrDefaultAsync(cancellationToken);
            if (pending is null)
            {
                return false;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedding document {DocumentId} v{Version} failed ({Reason}); it stays searchable by words only and is retried at the next start")]
    private static partial void LogEmbeddingFailed(ILogger logger, Guid documentId, int version, string reason);
}
