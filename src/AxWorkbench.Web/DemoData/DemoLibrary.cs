using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;

namespace AxWorkbench.Web.DemoData;

/// <summary>Puts the imported demo briefs into the searchable "Demo briefs" library, open to the demo units.</summary>
internal static class DemoLibrary
{
    public static async Task AddAsync(IServiceProvider services, WorkbenchUser owner, IReadOnlyList<DocumentRecord> documents, CancellationToken cancellationToken)
    {
        if (documents.Count == 0)
        {
            return;
        }
        await services.GetRequiredService<RetrievalIndexHost>().GetAsync(cancellationToken);
        var ceiling = Marking.Join(documents.Select(d => MarkingStorage.FromStorage(d.Marking)));
        var units = DemoUserSeeder.Users.Select(u => u.Unit).Distinct().ToList();
        var library = await services.GetRequiredService<RetrievalService>()
            .CreateLibraryAsync(owner.Id, DemoBriefsSeeder.LibraryName, ceiling, units, cancellationToken);
        var actor = new WorkbenchActor(owner.Id, "system:demo", [Roles.Admin], owner.ToAuthorization(), owner.Unit);
        var indexing = services.GetRequiredService<LibraryIndexing>();
        foreach (var document in documents)
        {
            await indexing.AddToLibraryAsync(library.Id, document.Id, actor, cancellationToken);
        }
    }
}
