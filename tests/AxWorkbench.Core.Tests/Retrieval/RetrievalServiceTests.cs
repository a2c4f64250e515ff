using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static AxWorkbench.Core.Tests.Retrieval.RetrievalTestHost;

namespace AxWorkbench.Core.Tests.Retrieval;

public sealed class SqliteRetrievalServiceTests() : RetrievalServiceTests(DbProvider.Sqlite);

public sealed class PostgresRetrievalServiceTests() : RetrievalServiceTests(DbProvider.Postgres);

public abstract class RetrievalServiceTests(DbProvider provider)
{
    private static readonly Marking _secret = new(ClassificationLevel.Secret);
    private static readonly Marking _confidential = new(ClassificationLevel.Confidential);

    [Fact]
    public async Task AnalystWithoutSecret_NeverSeesSecretChunks()
    {
        await using var host = await StartAsync(provider: provider);
        var library = await host.Service.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        await host.Service.AddIndexedAsync(library.Id, Brief("Low", _confidential, "The convoy crossed the river bridge at dawn."), Owner("owner"), default);
        await host.Service.AddIndexedAsync(library.Id, Brief("High", _secret, "The convoy carried missile launchers toward the border."), Owner("owner"), default);

        var confidential = await host.Service.SearchAsync(User(ClassificationLevel.Confidential, "1-BDE"), new SearchRequest("convoy missile"), default);
        var secret = await host.Service.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("convoy missile"), default);

        Assert.Equal(["Low"], confidential.Hits.Select(h => h.Title));
        Assert.Equal(1, confidential.TotalMatches);
        Assert.Equal("High", secret.Hits[0].Title);
        Assert.Equal(2, secret.TotalMatches);
        Assert.Contains(secret.Hits[0].Highlights, h => secret.Hits[0].Text.Substring(h.Start, h.Length) == "missile");
    }

    [Fact]
    public async Task UserOutsideLibraryUnits_FindsNothing_OwnerFindsIt()
    {
        await using var host = await StartAsync(provider: provider);
        var library = await host.Service.CreateLibraryAsync("owner", "J2 only", _secret, ["J2"], default);
        await host.Service.AddIndexedAsync(library.Id, Brief("Radar", _confidential, "Radar sites along the northern sector."), Owner("owner"), default);

        var outsider = await host.Service.SearchAsync(User(ClassificationLevel.TopSecret, "1-BDE"), new SearchRequest("radar"), default);
        var owner = await host.Service.SearchAsync(User(ClassificationLevel.Secret, "1-BDE", id: "owner"), new SearchRequest("radar"), default);
        var member = await host.Service.SearchAsync(User(ClassificationLevel.Secret, "J2"), new SearchRequest("radar"), default);

        Assert.Empty(outsider.Hits);
        Assert.Equal(0, outsider.TotalMatches);
        Assert.Single(owner.Hits);
        Assert.Single(member.Hits);
        Assert.Empty((await host.Service.ListLibrariesAsync(User(ClassificationLevel.TopSecret, "1-BDE"), default)));
    }

    [Fact]
    public async Task DocumentAboveCeiling_IsRefused_AndNonOwnerCannotAdd()
    {
        await using var host = await StartAsync(provider: provider);
        var library = await host.Service.CreateLibraryAsync("owner", "Confidential shelf", _confidential, ["1-BDE"], default);

        await Assert.ThrowsAsync<MarkingAboveCeilingException>(() => host.Service.AddIndexedAsync(library.Id, Brief("High", _secret, "text"), Owner("owner"), default));
        await Assert.ThrowsAsync<LibraryAccessDeniedException>(() => host.Service.AddIndexedAsync(library.Id, Brief("Low", _confidential, "text"), Owner("someone"), default));
        await host.Service.AddIndexedAsync(library.Id, Brief("Low", _confidential, "text"), Owner("admin", admin: true), default);
    }

    [Fact]
    public async Task AnalystMakesALibrary_ForOwnUnitOnly_AtMostOwnClearance_AndOwnsIt()
    {
        await using var host = await StartAsync(provider: provider);
        var analyst = User(ClassificationLevel.Secret, "1-BDE", id: "kim");

        var made = await host.Service.CreateLibraryAsync(analyst, "Working set", _secret, [], default);
        var again = await host.Service.CreateLibraryAsync(analyst, "Named unit", _confidential, [" 1-BDE "], default);
        var aboveClearance = await Assert.ThrowsAsync<LibraryAccessDeniedException>(() =>
            host.Service.CreateLibraryAsync(analyst, "Too high", new Marking(ClassificationLevel.TopSecret), [], default));
        var otherUnit = await Assert.ThrowsAsync<LibraryAccessDeniedException>(() =>
            host.Service.CreateLibraryAsync(analyst, "Shared", _secret, ["1-BDE", "J2"], default));
        var byAdmin = await host.Service.CreateLibraryAsync(Owner("root", admin: true), "Any units", new Marking(ClassificationLevel.TopSecret), ["J2", "J3"], default);

        Assert.Equal(["1-BDE"], made.Units);
        Assert.Equal(["1-BDE"], again.Units);
        Assert.Contains("at most your own clearance", aboveClearance.Message, StringComparison.Ordinal);
        Assert.Contains("J2", otherUnit.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("1-BDE,", otherUnit.Message, StringComparison.Ordinal);
        Assert.Equal(["J2", "J3"], byAdmin.Units.Order());
        // The analyst owns it: may add to it, and another member of the unit may not.
        await host.Service.AddIndexedAsync(made.Id, Brief("Mine", _confidential, "text"), analyst, default);
        await Assert.ThrowsAsync<LibraryAccessDeniedException>(() =>
            host.Service.AddIndexedAsync(made.Id, Brief("Theirs", _confidential, "text"), User(ClassificationLevel.Secret, "1-BDE", id: "lee"), default));
        Assert.Equal(["Named unit", "Working set"], (await host.Service.ListLibrariesAsync(User(ClassificationLevel.Secret, "1-BDE", id: "lee"), default)).Select(l => l.Name).Order());
    }

    [Fact]
    public async Task NewVersion_ReplacesOldChunks_InDatabaseAndIndex()
    {
        await using var host = await StartAsync(provider: provider);
        var library = await host.Service.CreateLibraryAsync("owner", "L", _secret, ["1-BDE"], default);
        var v1 = Brief("Report", _confidential, "The harbor is empty.");
        await host.Service.AddIndexedAsync(library.Id, v1, Owner("owner"), default);
        await host.Service.AddIndexedAsync(library.Id, v1 with { Version = 2, Pages = [new DocumentPage(1, "Submarine seen in the harbor.")] }, Owner("owner"), default);

        var user = User(ClassificationLevel.Secret, "1-BDE");
        Assert.Empty((await host.Service.SearchAsync(user, new SearchRequest("empty", Mode: RetrievalMode.Bm25), default)).Hits);
        var hit = Assert.Single((await host.Service.SearchAsync(user, new SearchRequest("submarine"), default)).Hits);
        Assert.Equal(2, hit.Version);
        await using var db = await host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Chunks.CountAsync());
    }

    [Fact]
    public async Task IndexMissingOrDamaged_IsRebuiltFromDatabaseAtStart_AndReusedWhenCurrent()
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));
        var user = User(ClassificationLevel.Secret, "1-BDE");
        var first = await StartAsync(directory, provider: provider);
        var library = await first.Service.CreateLibraryAsync("owner", "L", _secret, ["1-BDE"], default);
        await first.Service.AddIndexedAsync(library.Id, Brief("Fuel", _confidential, "Fuel depots near the airfield."), Owner("owner"), default);
        var before = await first.Service.SearchAsync(user, new SearchRequest("fuel airfield"), default);
        await first.StopAsync();

        var reopened = await StartAsync(directory, provider: provider);
        Assert.False((await reopened.IndexHost.GetAsync(default)).WasRebuilt);
        var path = reopened.IndexHost.IndexPath;
        await reopened.StopAsync();

        foreach (var file in System.IO.Directory.GetFiles(path))
        {
            await File.WriteAllBytesAsync(file, [1, 2, 3]);
        }

        await using var repaired = await StartAsync(directory, provider: provider);
        Assert.True((await repaired.IndexHost.GetAsync(default)).WasRebuilt);
        var after = await repaired.Service.SearchAsync(user, new SearchRequest("fuel airfield"), default);
        Assert.Equal(before.Hits.Select(h => (h.ChunkId, h.Score)), after.Hits.Select(h => (h.ChunkId, h.Score)));
    }

    [Fact]
    public async Task EmbedderChange_ReembedsEveryChunk_AndIsRecorded()
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));
        var first = await StartAsync(directory, provider: provider);
        var library = await first.Service.CreateLibraryAsync("owner", "L", _secret, ["1-BDE"], default);
        await first.Service.AddIndexedAsync(library.Id, Brief("Fuel", _confidential, "Fuel depots near the airfield.", "Second page about bridges."), Owner("owner"), default);
        await first.StopAsync();

        var other = new OtherEmbedder();
        await using var second = await StartAsync(directory, other, provider: provider);
        Assert.Equal(1, other.Calls);
        await using var db = await second.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Equal(OtherEmbedder.Profile.Id, (await db.RetrievalSettings.SingleAsync(s => s.Key == RetrievalIndexHost.EmbedderSetting)).Value);
        Assert.All(await db.Chunks.ToListAsync(), c => Assert.Equal(OtherEmbedder.Profile.Dimensions * sizeof(float), c.Vector!.Length));
    }

    [Fact]
    public async Task KoreanQuery_IsRankedByBm25Alone_WhenEmbedderReadsEnglishOnly()
    {
        await using var host = await StartAsync(provider: provider);
        var library = await host.Service.CreateLibraryAsync("owner", "법령", _secret, ["1-BDE"], default);
        await host.Service.AddIndexedAsync(library.Id, Brief("군사기밀보호법", _confidential, "제1조(목적) 이 법은 군사기밀을 보호함을 목적으로 한다.\n\n제2조(정의) 군사기밀이란 누설되면 국가안전보장에 위험을 초래할 우려가 있는 사항을 말한다."), Owner("owner"), default);

        var results = await host.Service.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("군사기밀의 정의"), default);
        var oneSyllable = await host.Service.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("법"), default);

        Assert.Equal(TextLanguage.Korean, results.QueryLanguage);
        Assert.False(results.VectorsUsed);
        Assert.StartsWith("제2조", results.Hits[0].Text, StringComparison.Ordinal);
        Assert.NotEmpty(oneSyllable.Hits);
    }

    private sealed class OtherEmbedder : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        public static EmbedderProfile Profile { get; } = new("other-8", 8, new HashSet<string> { TextLanguage.English });

        public int Calls { get; private set; }

        public Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Task.FromResult(new Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>(values.Select(_ => new Microsoft.Extensions.AI.Embedding<float>(new float[8]))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(EmbedderProfile) ? Profile : null;

        public void Dispose()
        {
        }
    }
}
