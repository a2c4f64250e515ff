using AxWorkbench.Core.Data;

namespace AxWorkbench.Core.Documents;

/// <summary>
/// What else goes when a document is deleted, in the deletion's own transaction. Retrieval implements it (the
/// document's library membership and chunks go, and a change-log entry every node's index follows), so a deleted
/// document leaves search on every node within the change log's bound. Documents cannot call retrieval itself (retrieval
/// depends on documents), hence this seam.
/// </summary>
public interface IDocumentRemoval
{
    /// <summary>
    /// Opens one context and one transaction, runs <paramref name="markDeleted"/> on it (it changes tracked entities
    /// only), removes what it owns, saves and commits once: the deletion and its removals are kept together or not at
    /// all. Then updates what this node holds in memory.
    /// </summary>
    Task RemoveAsync(Guid documentId, Func<WorkbenchDbContext, CancellationToken, Task> markDeleted, CancellationToken cancellationToken);
}
