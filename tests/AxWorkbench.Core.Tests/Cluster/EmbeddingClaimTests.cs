using System.Collections.Concurrent;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using AxWorkbench.Core.Tests.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AxWorkbench.Core.Tests.Retrieval.RetrievalTestHost;

namespace AxWorkbench.Core.Tests.Cluster;

public sealed class SqliteEmbeddingClaimTests() : EmbeddingClaimTests(DbProvider.Sqlite);

public sealed class PostgresEmbeddingClaimTests() : EmbeddingClaimTests(DbProvider.Postgres);

/// <summary>
/// Vectors live in the shared database, so two nodes (each with its embedding worker running) embed each waiting
/// document once: a job per document in the shared jobs table, claimed by one node under a lease; a document whose
/// node was killed mid-embedding is embedded by the other node once the lease has expired.
/// </summary>
public abstract class EmbeddingClaimTests(DbProvider provider) : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastLeases = new()
    {
        ["Jobs:LeaseSeconds"] = "1.5",
        ["Jobs:HeartbeatSeconds"] = "0.25",
        ["Jobs:PollSeconds"] = "0.2",
    };

    private readonly string _directory = TempDataHost.NewDirectory();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => ClusterNode.DropAsync(provider, _directory);

    private Task<ClusterNode> StartAsync(string node, RecordingEmbedder embedder) =>
        ClusterNode.StartAsync(_directory, provider, node, FastLeases,
            b => b.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(embedder));

    [Fact]
    public async Task TwoNodesWithWorkers_EmbedEachWaitingDocumentOnce_SharingTheWork()
    {
        // Each embedding takes a while, so the idle node's poll finds documents still queued while the other works.
        var embedderA = new RecordingEmbedder(TimeSpan.FromMilliseconds(150));
        var embedderB = new RecordingEmbedder(TimeSpan.FromMilliseconds(150));
        await using var a = await StartAsync("node-a", embedderA);
        await using var b = await StartAsync("node-b", embedderB);
        var library = await a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
        var briefs = Enumerable.Range(1, 12).Select(i => Brief($"Report {i}", Marking.Unclassified, $"Convoy number{i} crossed checkpoint{i} at dawn.")).ToList();

        foreach (var brief in briefs)
        {
            await a.Retrieval.AddDocumentAsync(library.Id, brief, Owner("owner"), default);
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            foreach (var brief in briefs)
            {
                await WaitUntilAsync(async () => await a.Retrieval.GetIndexingStatusAsync(brief.DocumentId, default) == RetrievalDocumentStatus.Ready, timeout.Token);
            }

            // Each job row is closed just after its vectors are stored.
            await WaitUntilAsync(async () => (await JobsAsync(a)).All(j => j.FinishedAt is not null), timeout.Token);
        }

        // Every document's text reached exactly one embedder, once.
        var embedded = embedderA.Texts.Concat(embedderB.Texts).ToList();
        foreach (var i in Enumerable.Range(1, 12))
        {
            Assert.Single(embedded, t => t.Contains($"number{i} ", StringComparison.Ordinal));
        }

        Assert.True(embedderA.Texts.Count > 0 && embedderB.Texts.Count > 0, $"both nodes embed: node-a {embedderA.Texts.Count}, node-b {embedderB.Texts.Count}");
        var jobs = await JobsAsync(a);
        Assert.Equal(briefs.Select(x => x.DocumentId).Order(), jobs.Select(j => j.SubjectId).Order());
        Assert.All(jobs, j =>
        {
            Assert.Equal(1, j.Attempts);
            Assert.NotNull(j.FinishedAt);
        });
        Assert.Equal(embedderB.Texts.Count, jobs.Count(j => j.OwnerNode == "node-b"));
    }

    [Fact]
    public async Task NodeKilledWhileEmbedding_ItsDocumentIsEmbeddedByTheOtherNode_AfterTheLease()
    {
        var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // never completed: node A hangs like a killed process
        var embedderA = new RecordingEmbedder(TimeSpan.Zero, frozen.Task);
        var a = await StartAsync("node-a", embedderA);
        var killed = false;
        try
        {
            var library = await a.Retrieval.CreateLibraryAsync("owner", "Border", new Marking(ClassificationLevel.TopSecret), ["1-BDE"], default);
            var brief = Brief("Bridge", Marking.Unclassified, "The engineers rebuilt the river bridge overnight.");
            await a.Retrieval.AddDocumentAsync(library.Id, brief, Owner("owner"), default);
            await WaitUntilAsync(() => Task.FromResult(embedderA.Texts.Count == 1), default);
            Assert.Equal("node-a", (await JobsAsync(a)).Single().OwnerNode);

            await a.KillAsync(); // no graceful stop: the job is neither released nor finished
            killed = true;
            var killedAt = DateTime.UtcNow;
            var embedderB = new RecordingEmbedder(TimeSpan.Zero);
            await using var b = await StartAsync("node-b", embedderB);
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await WaitUntilAsync(async () => await b.Retrieval.GetIndexingStatusAsync(brief.DocumentId, default) == RetrievalDocumentStatus.Ready, timeout.Token);
            }

            Assert.Contains(embedderB.Texts, t => t.Contains("river bridge", StringComparison.Ordinal));
            // The job row is closed just after the vectors are stored.
            await WaitUntilAsync(async () => (await JobsAsync(b)).Single().FinishedAt is not null, default);
            var job = (await JobsAsync(b)).Single();
            Assert.Equal("node-b", job.OwnerNode);
            Assert.Equal(2, job.Attempts);
            Assert.True(job.FinishedAt > killedAt);
            var hits = await b.Retrieval.SearchAsync(User(ClassificationLevel.Secret, "1-BDE"), new SearchRequest("bridge"), default);
            Assert.Equal(["Bridge"], hits.Hits.Select(h => h.Title));
        }
        finally
        {
            if (!killed)
            {
                await a.KillAsync();
            }
        }
    }

    private static async Task<List<BackgroundJobRecord>> JobsAsync(ClusterNode node)
    {
        await using var db = await node.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Set<BackgroundJobRecord>().AsNoTracking().Where(j => j.Kind == RetrievalService.EmbedJobKind).ToListAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        using var fallback = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, fallback.Token);
        while (!await condition())
        {
            await Task.Delay(50, linked.Token);
        }
    }

    /// <summary>The hashing embedder (its profile, its vectors), recording the texts it was given; optionally slow, or frozen (ignoring cancellation).</summary>
    private sealed class RecordingEmbedder(TimeSpan delay, Task? frozen = null) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbedder _inner = new();

        public ConcurrentQueue<string> Texts { get; } = new();

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Texts.Enqueue(string.Join("\n", list) + " ");
            if (frozen is not null)
            {
                await frozen;
            }

            await Task.Delay(delay, cancellationToken);
            return await _inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbedderProfile) ? HashingEmbedder.Profile : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
