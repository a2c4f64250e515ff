using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Retrieval;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>For tests about search over documents already indexed: adds, then waits for the embedding worker to give the document its vectors.</summary>
public static class IndexedAdds
{
    public static async Task AddIndexedAsync(this RetrievalService service, Guid libraryId, IndexedDocument document, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        await service.AddDocumentAsync(libraryId, document, actor, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await service.WhenIndexedAsync(document.DocumentId, timeout.Token);
    }
}
