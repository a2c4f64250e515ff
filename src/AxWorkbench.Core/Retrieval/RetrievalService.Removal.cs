using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Retrieval;

/// <summary>A deleted document leaves every library and every node's index (<see cref="IDocumentRemoval"/>).</summary>
public sealed partial class RetrievalService : IDocumentRemoval
{
    /// <summary>
    /// The document's deletion (<paramref name="markDeleted"/>), its library membership, chunks and retrieval record, and
    /// one <see cref="RetrievalChangeKind.Removed"/> entry, in one logged transaction; then this node's index drops it at
    /// once and the other nodes' followers within their bound. A document no library held writes no change.
    /// </summary>
    public async Task RemoveAsync(Guid documentId, Func<WorkbenchDbContext, CancellationToken, Task> markDeleted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(markDeleted);
        var index = await host.GetAsync(cancellationToken);
        bool indexed;
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await RetrievalChangeLog.BeginLoggedAsync(db, cancellationToken);
            await markDeleted(db, cancellationToken);
            var memberships = await db.LibraryDocuments.Where(l => l.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
            await db.Chunks.Where(c => c.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
            var records = await db.RetrievalDocuments.Where(d => d.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
            indexed = memberships + records > 0;
            if (indexed)
            {
                LogChange(db, documentId, RetrievalChangeKind.Removed);
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (indexed)
            {
                index.RemoveDocument(documentId);
            }
        }
        finally
        {
            _writes.Release();
        }

        if (indexed)
        {
            IndexingChanged();
            ChangesCommitted?.Invoke();
        }
    }
}
