using System.Diagnostics;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using AxWorkbench.Core.Tests.Retrieval;
using static AxWorkbench.Core.Tests.Retrieval.RetrievalTestHost;

namespace AxWorkbench.Core.Tests.Cluster;

public sealed class SqliteRetrievalPropagationTests() : RetrievalPropagationTests(DbProvider.Sqlite);

public sealed class PostgresRetrievalPropagationTests() : RetrievalPropagationTests(DbProvider.Postgres);

/// <summary>
/// Two nodes (two hosts with an index each) on one database: a retrieval change made on one is in the other's search
/// within <see cref="ClusterOptions.PropagationBound"/> (2 s at the default 1 s poll). On PostgreSQL NOTIFY wakes the
/// other node; on SQLite (one file, no notifications between processes) its poll finds the change.
/// </summary>
public abstract class RetrievalPropagationTests(DbProvider provider) : IAsyncLifetime
{
    private static readonly Marking _confidential = new(ClassificationLevel.Confidential);
    private static readonly Marking _secret = new(ClassificationLevel.Secret);
    private readonly string _directory = TempDataHost.NewDirectory();
    private ClusterNode _a = null!;
    private ClusterNode _b = null!;

    private static TimeSpan Bound => new ClusterOptions().PropagationBound;

    public async Task InitializeAsync()
    {
        _a = await ClusterNode.StartAsync(_directory, provider, "node-a");
        _b = await ClusterNode.StartAsync(_directory, provider, "node-b");
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await ClusterNode.DropAsync(provider, _directory);
    }

    [Fact]
    public async Task DocumentAddedOnA_IsFoundOnB_WithinTheBound()
    {
        var library = await _a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        Assert.Empty((await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("convoy"), default)).Hits);

        await _a.Retrieval.AddDocumentAsync(library.Id, Brief("Crossing", _confidential, "The convoy crossed the river bridge at dawn."), Owner("owner"), default);
        var elapsed = await WaitAppliedOnBAsync();

        var found = await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("convoy"), default);
        Assert.Equal(["Crossing"], found.Hits.Select(h => h.Title));
        Assert.True(elapsed <= Bound, $"node-b applied node-a's change after {elapsed.TotalMilliseconds:F0} ms; the bound is {Bound.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task DocumentRemovedOnB_StopsShowingOnA_WithinTheBound()
    {
        var library = await _a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var brief = Brief("Radar", _secret, "Radar sites along the northern sector were moved.");
        await _a.Retrieval.AddIndexedAsync(library.Id, brief, Owner("owner"), default);
        await WaitAppliedOnBAsync();
        Assert.Single((await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("radar"), default)).Hits);

        await _b.Retrieval.RemoveDocumentAsync(library.Id, brief.DocumentId, Owner("owner"), default);
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _a.Follower.WhenAppliedAsync(await _b.Retrieval.LastChangeIdAsync(default), timeout.Token);
        clock.Stop();

        Assert.Empty((await _a.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("radar"), default)).Hits);
        Assert.True(clock.Elapsed <= Bound, $"node-a applied the removal after {clock.Elapsed.TotalMilliseconds:F0} ms; the bound is {Bound.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task DocumentDeletedOnA_StopsShowingOnB_WithinTheBound_AndTheChangeIsLoggedWithTheDeletion()
    {
        var library = await _a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var brief = Brief("Depot", _secret, "The fuel depot near the airfield was emptied.");
        await StoreDocumentRowAsync(brief.DocumentId, "depot.txt", "owner");
        await _a.Retrieval.AddDocumentAsync(library.Id, brief, Owner("owner"), default); // found by words at once; vectors may still come
        await WaitAppliedOnBAsync();
        Assert.Single((await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("depot"), default)).Hits);
        var before = await _a.Retrieval.LastChangeIdAsync(default);

        var owner = Owner("owner");
        Assert.True(await _a.Documents.DeleteAsync(brief.DocumentId, owner.Authorization, "owner", isAdministrator: false, owner));
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _b.Follower.WhenAppliedAsync(await _a.Retrieval.LastChangeIdAsync(default), timeout.Token);
        clock.Stop();

        Assert.Empty((await _a.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("depot"), default)).Hits);
        Assert.Empty((await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("depot"), default)).Hits);
        Assert.True(clock.Elapsed <= Bound, $"node-b applied the deletion after {clock.Elapsed.TotalMilliseconds:F0} ms; the bound is {Bound.TotalMilliseconds:F0} ms");
        Assert.Equal(0, (await _b.Retrieval.ListLibrariesAsync(Owner("owner", admin: true), default)).Single().DocumentCount);

        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>(_b.Host.Services);
        await using var db = await factory.CreateDbContextAsync();
        var log = db.RetrievalChanges.Where(c => c.Id > before && c.DocumentId == brief.DocumentId).Select(c => new { c.Kind, c.Node }).ToList()
            .Where(c => c.Kind != RetrievalChangeKind.Vectors).ToList(); // an embedding worker may still have stored vectors in between
        Assert.Equal([(RetrievalChangeKind.Removed, "node-a")], log.Select(c => (c.Kind, c.Node)));
        var row = db.Documents.Single(d => d.Id == brief.DocumentId);
        Assert.NotNull(row.DeletedAt);
        Assert.Equal("owner", row.DeletedBy);
    }

    [Fact]
    public async Task DocumentDeletionRefused_LeavesItInSearch_AndWritesNoChange()
    {
        var library = await _a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var brief = Brief("Kept", _confidential, "The bridge guard rota stays as it is.");
        await StoreDocumentRowAsync(brief.DocumentId, "kept.txt", "owner");
        await _a.Retrieval.AddDocumentAsync(library.Id, brief, Owner("owner"), default);
        var before = await _a.Retrieval.LastChangeIdAsync(default);

        var stranger = Owner("stranger");
        await Assert.ThrowsAsync<DocumentRefusedException>(
            () => _a.Documents.DeleteAsync(brief.DocumentId, stranger.Authorization, "stranger", isAdministrator: false, stranger));

        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>(_a.Host.Services);
        await using (var db = await factory.CreateDbContextAsync())
        {
            Assert.False(db.RetrievalChanges.Any(c => c.Id > before && c.Kind == RetrievalChangeKind.Removed), "a refused deletion logs no removal");
            Assert.Null(db.Documents.Single(d => d.Id == brief.DocumentId).DeletedAt);
        }
        Assert.Single((await _a.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("rota"), default)).Hits);
    }

    /// <summary>The stored document's row (what an upload writes) for a brief indexed under the same id.</summary>
    private async Task StoreDocumentRowAsync(Guid id, string fileName, string uploader)
    {
        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>(_a.Host.Services);
        await using var db = await factory.CreateDbContextAsync();
        db.Documents.Add(new DocumentRecord
        {
            Id = id, FileName = fileName, Sha256 = new string('0', 64), SizeBytes = 10, Marking = MarkingStorage.ToStorage(_secret),
            Status = DocumentStatus.Ready, Uploader = uploader, CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task DocumentMovedBetweenLibraries_OnA_ChangesWhoFindsItOnB()
    {
        var j2 = await _a.Retrieval.CreateLibraryAsync("owner", "J2 shelf", new Marking(ClassificationLevel.TopSecret), ["J2"], default);
        var bde = await _a.Retrieval.CreateLibraryAsync("owner", "1-BDE shelf", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var brief = Brief("Ferry", _confidential, "The ferry schedule changed after the flood.");
        await _a.Retrieval.AddIndexedAsync(j2.Id, brief, Owner("owner"), default);
        await _a.Retrieval.AddDocumentAsync(bde.Id, brief, Owner("owner"), default);
        await _a.Retrieval.RemoveDocumentAsync(j2.Id, brief.DocumentId, Owner("owner"), default);
        await WaitAppliedOnBAsync();

        Assert.Single((await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("ferry"), default)).Hits);
        Assert.Empty((await _b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "J2"), new SearchRequest("ferry"), default)).Hits);
    }

    [Fact]
    public async Task NodeStartedAfterChanges_LoadsThemFromTheDatabase_ThenFollows()
    {
        var library = await _a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        await _a.Retrieval.AddIndexedAsync(library.Id, Brief("Early", _confidential, "Early report on the harbour cranes."), Owner("owner"), default);
        await using var c = await ClusterNode.StartAsync(_directory, provider, "node-c");
        Assert.Single((await c.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("harbour"), default)).Hits);

        await _a.Retrieval.AddDocumentAsync(library.Id, Brief("Late", _confidential, "Late report on the harbour cranes."), Owner("owner"), default);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await c.Follower.WhenAppliedAsync(await _a.Retrieval.LastChangeIdAsync(default), timeout.Token);

        Assert.Equal(["Early", "Late"], (await c.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("harbour"), default)).Hits.Select(h => h.Title).Order());
    }

    [Fact]
    public async Task EveryRetrievalWrite_IsInTheChangeLog_WithItsNode()
    {
        var library = await _a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var brief = Brief("Logged", _confidential, "Each change is logged.");
        var before = await _a.Retrieval.LastChangeIdAsync(default);

        await _a.Retrieval.AddDocumentAsync(library.Id, brief, Owner("owner"), default);
        await Assert.ThrowsAsync<LibraryAccessDeniedException>(() => _b.Retrieval.RemoveDocumentAsync(library.Id, brief.DocumentId, Owner("someone"), default));
        await _b.Retrieval.RemoveDocumentAsync(library.Id, brief.DocumentId, Owner("owner"), default);

        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>(_a.Host.Services);
        await using var db = await factory.CreateDbContextAsync();
        var log = db.RetrievalChanges.Where(c => c.Id > before && c.DocumentId == brief.DocumentId).OrderBy(c => c.Id).Select(c => new { c.Kind, c.Node }).ToList()
            .Where(c => c.Kind != RetrievalChangeKind.Vectors).ToList();
        Assert.Equal([(RetrievalChangeKind.Indexed, "node-a"), (RetrievalChangeKind.Removed, "node-b")], log.Select(c => (c.Kind, c.Node)));
    }

    [Fact]
    public async Task DocumentEmbeddedByAnotherNode_EndsIndexingOnTheNodeThatAddedIt()
    {
        // node-c embeds nothing (no embedding worker), so the vectors of the document it adds come from node-a or
        // node-b; its own waiters and pages learn that from the change log, not from a local signal.
        await using var c = await ClusterNode.StartAsync(_directory, provider, "node-c", configure: builder =>
        {
            var worker = builder.Services.Single(d => d.ImplementationType == typeof(EmbeddingWorker));
            builder.Services.Remove(worker);
        });
        var library = await c.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var brief = Brief("Bridge", _confidential, "The bridge was closed to heavy vehicles.");
        var statusChanges = 0;
        c.Retrieval.IndexingStatusChanged += () => Interlocked.Increment(ref statusChanges);

        await c.Retrieval.AddDocumentAsync(library.Id, brief, Owner("owner"), default);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await c.Retrieval.WhenIndexedAsync(brief.DocumentId, timeout.Token);
        await c.Retrieval.WhenIdleAsync(timeout.Token);

        Assert.Equal(RetrievalDocumentStatus.Ready, await c.Retrieval.GetIndexingStatusAsync(brief.DocumentId, default));
        Assert.True(Volatile.Read(ref statusChanges) >= 2, $"node-c raised IndexingStatusChanged {statusChanges} times; expected its own addition and the other node's vectors");
        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>(c.Host.Services);
        await using var db = await factory.CreateDbContextAsync();
        var embeddedBy = db.RetrievalChanges.Where(ch => ch.DocumentId == brief.DocumentId && ch.Kind == RetrievalChangeKind.Vectors).Select(ch => ch.Node).ToList();
        Assert.Single(embeddedBy);
        Assert.Contains(embeddedBy[0], new[] { "node-a", "node-b" });
    }

    /// <summary>Waits until node-b has applied every change so far; returns how long that took from now.</summary>
    private async Task<TimeSpan> WaitAppliedOnBAsync()
    {
        var clock = Stopwatch.StartNew();
        var last = await _a.Retrieval.LastChangeIdAsync(default);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _b.Follower.WhenAppliedAsync(last, timeout.Token);
        return clock.Elapsed;
    }
}
