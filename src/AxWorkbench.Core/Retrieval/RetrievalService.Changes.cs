using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// Several nodes, one database: each node's index is a cache that follows <see cref="RetrievalChange"/>. A node applies
/// its own changes at once (after commit); the others' it applies in id order from the log, reading each touched
/// document's current state from the database, so applying an entry twice or late converges on the same index.
/// </summary>
public sealed partial class RetrievalService
{
    /// <summary>Raised after a retrieval change was committed on this node (the cluster wakes the other nodes' followers).</summary>
    public event Action? ChangesCommitted;

    /// <summary>The last change id in the log (0 when empty).</summary>
    public async Task<long> LastChangeIdAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.RetrievalChanges.MaxAsync(c => (long?)c.Id, cancellationToken) ?? 0;
    }

    /// <summary>
    /// Applies the log entries after <paramref name="after"/> that other nodes wrote (at most <paramref name="batch"/>)
    /// to this node's index; returns the last id looked at (≥ <paramref name="after"/>) and how many documents changed.
    /// Taken under the same lock as this node's own writes, so a document's state is never applied out of order here.
    /// </summary>
    public async Task<(long Last, int Documents)> ApplyChangesAsync(long after, int batch, CancellationToken cancellationToken)
    {
        var applied = await ApplyChangesUnderLockAsync(after, batch, cancellationToken);
        if (applied.Documents > 0)
        {
            // Another node's change may have ended a document's indexing here too (its worker stored the vectors, or it
            // removed the document): wake this node's waiters and the pages showing a library's indexing count.
            IndexingChanged();
        }

        return applied;
    }

    private async Task<(long Last, int Documents)> ApplyChangesUnderLockAsync(long after, int batch, CancellationToken cancellationToken)
    {
        var index = await host.GetAsync(cancellationToken);
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var changes = await db.RetrievalChanges.AsNoTracking().Where(c => c.Id > after).OrderBy(c => c.Id).Take(batch)
                .Select(c => new { c.Id, c.DocumentId, c.Node }).ToListAsync(cancellationToken);
            if (changes.Count == 0)
            {
                return (after, 0);
            }

            var documents = changes.Where(c => c.Node != _node).Select(c => c.DocumentId).Distinct().ToList();
            foreach (var documentId in documents)
            {
                var stored = await db.RetrievalDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.DocumentId == documentId, cancellationToken);
                var libraries = await db.LibraryDocuments.AsNoTracking().Where(l => l.DocumentId == documentId).Select(l => l.LibraryId).ToListAsync(cancellationToken);
                var chunks = stored is null ? [] : await db.Chunks.AsNoTracking().Where(c => c.DocumentId == documentId && c.Version == stored.Version)
                    .OrderBy(c => c.Id).ToListAsync(cancellationToken);
                index.SyncDocument(documentId, libraries, [.. chunks.Select(c => RetrievalIndexHost.ToStored(c, stored!.Title, libraries))]);
            }

            if (documents.Count > 0)
            {
                LogChangesApplied(logger, documents.Count, changes[0].Id, changes[^1].Id);
            }

            return (changes[^1].Id, documents.Count);
        }
        finally
        {
            _writes.Release();
        }
    }

    private void LogChange(Data.WorkbenchDbContext db, Guid documentId, RetrievalChangeKind kind) =>
        db.RetrievalChanges.Add(new RetrievalChange { DocumentId = documentId, Kind = kind, Node = _node, CreatedUtc = _time.GetUtcNow() });

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied other nodes' retrieval changes {First}..{Last}: {Documents} documents")]
    private static partial void LogChangesApplied(ILogger logger, int documents, long first, long last);
}
