using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;

namespace AxWorkbench.Web.DemoData;

/// <summary>Puts the imported demo briefs into the searchable "Demo briefs" library.</summary>
internal static class DemoLibrary
{
    public static Task AddAsync(IServiceProvider services, WorkbenchUser owner, IReadOnlyList<DocumentRecord> documents, CancellationToken cancellationToken)
    {
        // Filled in once documents can be added to libraries (retrieval integration).
        _ = services;
        _ = owner;
        _ = documents;
        _ = cancellationToken;
        return Task.CompletedTask;
    }
}
