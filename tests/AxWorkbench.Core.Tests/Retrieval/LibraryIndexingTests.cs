using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Conversations;
using AxWorkbench.Core.Tests.Data;
using DocumentPage = AxWorkbench.Core.Documents.DocumentPage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Retrieval;

public sealed class SqliteLibraryIndexingTests() : LibraryIndexingTests(DbProvider.Sqlite);

public sealed class PostgresLibraryIndexingTests() : LibraryIndexingTests(DbProvider.Postgres);

public abstract class LibraryIndexingTests(DbProvider provider)
{
    [Fact]
    public void ToIndexed_PortionMarkedParagraph_CarriesItsOwnMarking_OtherTextInheritsTheDocuments()
    {
        var id = Guid.NewGuid();
        var record = new DocumentRecord
        {
            Id = id,
            FileName = "brief.txt",
            Sha256 = new string('0', 64),
            Marking = MarkingStorage.ToStorage(new Marking(ClassificationLevel.Secret)),
            Uploader = "u",
            Status = DocumentStatus.Ready,
            Pages = [new DocumentPage { DocumentId = id, Number = 1, Text = "Opening line.\n(C) Confidential paragraph.\n(S//NF) Secret paragraph." }],
        };

        var indexed = LibraryIndexing.ToIndexed(record);

        var page = Assert.Single(indexed.Pages);
        Assert.Equal(new Marking(ClassificationLevel.Secret), indexed.Marking);
        Assert.Collection(page.Portions!,
            p => Assert.True(p.Marking == new Marking(ClassificationLevel.Confidential) && page.Text.Substring(p.Start, p.Length) == "(C) Confidential paragraph."),
            p => Assert.True(p.Marking == new Marking(ClassificationLevel.Secret, ["NOFORN"]) && page.Text.Substring(p.Start, p.Length) == "(S//NF) Secret paragraph."));
    }

    [Fact]
    public async Task AddToLibrary_DocumentAboveTheCeiling_IsRefusedWithTheReason_AndTheRefusalIsAudited()
    {
        await using var host = await GroundedChatTestHost.StartAsync(provider: provider);
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Confidential only", new Marking(ClassificationLevel.Confidential), ["J2"], CancellationToken.None);
        var secret = await host.StoreDocumentAsync("secret.txt", new Marking(ClassificationLevel.Secret), "A secret brief about harbors.");

        var refusal = await Assert.ThrowsAsync<MarkingAboveCeilingException>(() => host.Indexing.AddToLibraryAsync(library.Id, secret, GroundedChatTestHost.Admin, CancellationToken.None));

        Assert.Contains("ceiling", refusal.Message, StringComparison.Ordinal);
        var principal = GroundedChatTestHost.Analyst("x", ClassificationLevel.TopSecret);
        Assert.Empty((await host.Retrieval.SearchAsync(principal, new SearchRequest("harbors"), CancellationToken.None)).Hits);
        await using var db = await host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var record = Assert.Single(await db.Set<AuditRecord>().AsNoTracking().Where(r => r.Action == LibraryIndexing.AuditAction).ToListAsync());
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
    }

    [Fact]
    public async Task AddToLibraryByName_IndexesTheStoredPages_AndOnlyTheOwnerOrAnAdministratorMayAdd()
    {
        await using var host = await GroundedChatTestHost.StartAsync(provider: provider);
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Harbor", new Marking(ClassificationLevel.Secret), ["J2"], CancellationToken.None);
        var document = await host.StoreDocumentAsync("brief.txt", new Marking(ClassificationLevel.Confidential), "The lighthouse keeper logs every vessel.");
        var stranger = GroundedChatTestHost.Analyst("someone", ClassificationLevel.Secret);

        await Assert.ThrowsAsync<LibraryAccessDeniedException>(() => host.Indexing.AddToLibraryAsync(library.Id, document, stranger, CancellationToken.None));
        await host.Indexing.AddToLibraryAsync("Harbor", document, GroundedChatTestHost.Admin, CancellationToken.None);
        await host.Retrieval.WhenIndexedAsync(document, CancellationToken.None);

        var principal = GroundedChatTestHost.Analyst("a", ClassificationLevel.Confidential);
        var hit = Assert.Single((await host.Retrieval.SearchAsync(principal, new SearchRequest("lighthouse keeper"), CancellationToken.None)).Hits);
        Assert.Equal(document, hit.DocumentId);
        Assert.Equal(1, hit.Page);
        Assert.Empty(await host.Indexing.ListTargetsAsync(stranger, CancellationToken.None));
    }
}
