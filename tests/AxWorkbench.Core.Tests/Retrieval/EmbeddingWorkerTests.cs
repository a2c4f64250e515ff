using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;
using static AxWorkbench.Core.Tests.Retrieval.RetrievalTestHost;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>Embedding off the request path: adding returns with the document indexing (found by words), the worker gives it vectors and marks it ready, and work left at a stop is taken up at the next start.</summary>
public sealed class EmbeddingWorkerTests
{
    private static readonly Marking Confidential = new(ClassificationLevel.Confidential);
    private static readonly WorkbenchActor Reader = User(ClassificationLevel.Secret, "1-BDE");

    [Fact]
    public async Task AddDocument_ReturnsWhileTheEmbedderIsBusy_IndexingAndFoundByWords_ThenReadyAndFoundByMeaning()
    {
        var embedder = new HeldEmbedder(holdWhenAnyContains: "depots");
        await using var host = await StartAsync(embedder: embedder);
        var library = await host.Service.CreateLibraryAsync("owner", "Airfields", new Marking(ClassificationLevel.Secret), ["1-BDE"], default);
        var document = Brief("Fuel", Confidential, "Fuel depots near the airfield.");

        // Returns although the worker's embedding call is held: nothing on the request path waits for vectors.
        await host.Service.AddDocumentAsync(library.Id, document, Owner("owner"), default);
        await embedder.Entered.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(RetrievalDocumentStatus.Indexing, await host.Service.GetIndexingStatusAsync(document.DocumentId, default));
        var listed = Assert.Single(await host.Service.ListLibrariesAsync(Reader, default));
        Assert.Equal((1, 1), (listed.DocumentCount, listed.IndexingCount));
        Assert.Equal(document.DocumentId, Assert.Single((await host.Service.SearchAsync(Reader, new SearchRequest("fuel airfield", Mode: RetrievalMode.Bm25), default)).Hits).DocumentId);
        Assert.Empty((await host.Service.SearchAsync(Reader, new SearchRequest("fuel airfield", Mode: RetrievalMode.Vector), default)).Hits);

        embedder.Release();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await host.Service.WhenIndexedAsync(document.DocumentId, timeout.Token);

        Assert.Equal(RetrievalDocumentStatus.Ready, await host.Service.GetIndexingStatusAsync(document.DocumentId, default));
        Assert.Equal(0, Assert.Single(await host.Service.ListLibrariesAsync(Reader, default)).IndexingCount);
        var byMeaning = Assert.Single((await host.Service.SearchAsync(Reader, new SearchRequest("fuel airfield", Mode: RetrievalMode.Vector), default)).Hits);
        Assert.Equal(document.DocumentId, byMeaning.DocumentId);
        Assert.NotNull(byMeaning.VectorScore);
    }

    [Fact]
    public async Task DocumentStillIndexingAtAStop_IsEmbeddedAtTheNextStart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));
        var document = Brief("Fuel", Confidential, "Fuel depots near the airfield.");
        var held = new HeldEmbedder(holdWhenAnyContains: "depots");
        var first = await StartAsync(directory, held);
        var library = await first.Service.CreateLibraryAsync("owner", "Airfields", new Marking(ClassificationLevel.Secret), ["1-BDE"], default);
        await first.Service.AddDocumentAsync(library.Id, document, Owner("owner"), default);
        await held.Entered.WaitAsync(TimeSpan.FromMinutes(1));
        await first.StopAsync();

        // Same embedder (same profile), so the start does not re-embed everything: only the worker can make it ready.
        var embedder = new HashingEmbedder();
        await using var second = await StartAsync(directory, embedder);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await second.Service.WhenIndexedAsync(document.DocumentId, timeout.Token);

        Assert.Equal(RetrievalDocumentStatus.Ready, await second.Service.GetIndexingStatusAsync(document.DocumentId, default));
        Assert.Equal(1, embedder.Calls);
        Assert.Equal(document.DocumentId, Assert.Single((await second.Service.SearchAsync(Reader, new SearchRequest("fuel airfield", Mode: RetrievalMode.Vector), default)).Hits).DocumentId);
    }

    [Fact]
    public async Task LongDocument_IsEmbeddedInSlices_SoAQueryWaitsForOneSliceNotTheDocument()
    {
        var embedder = new CallRecordingEmbedder();
        await using var host = await StartAsync(embedder: embedder);
        var library = await host.Service.CreateLibraryAsync("owner", "Long", new Marking(ClassificationLevel.Secret), ["1-BDE"], default);
        // 150 pages of 50 distinct words: one chunk a page at 60 words a chunk, more than two slices.
        var pages = Enumerable.Range(1, 150).Select(p => string.Join(' ', Enumerable.Range(1, 50).Select(w => $"report{p}word{w}"))).ToArray();
        var document = Brief("Long", Confidential, pages);

        await host.Service.AddDocumentAsync(library.Id, document, Owner("owner"), default);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await host.Service.WhenIndexedAsync(document.DocumentId, timeout.Token);

        var documentCalls = embedder.CallSizes.Where(n => n > 1).ToList();
        Assert.True(documentCalls.Sum() >= 150, $"{documentCalls.Sum()} chunks embedded");
        Assert.True(documentCalls.Count >= 3, $"the document's chunks went to the embedder in {documentCalls.Count} call(s): [{string.Join(", ", documentCalls)}]");
        Assert.All(documentCalls, n => Assert.InRange(n, 1, RetrievalIndexHost.EmbedSlice));
        Assert.Equal(RetrievalDocumentStatus.Ready, await host.Service.GetIndexingStatusAsync(document.DocumentId, default));
        var contexts = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>(host.Host.Services);
        await using var db = await contexts.CreateDbContextAsync();
        var chunks = db.Chunks.Where(c => c.DocumentId == document.DocumentId).Select(c => c.Vector != null).ToList();
        Assert.True(chunks.Count >= 150 && chunks.All(v => v), $"{chunks.Count(v => v)} of {chunks.Count} chunks have vectors");
    }

    /// <summary>The test embedder, recording how many texts each call embedded.</summary>
    private sealed class CallRecordingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbedder _inner = new();

        public System.Collections.Concurrent.ConcurrentQueue<int> CallSizes { get; } = new();

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            CallSizes.Enqueue(list.Count);
            return _inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

        public void Dispose() => _inner.Dispose();
    }

    /// <summary>The test embedder, except that a call embedding a text with the given word waits until <see cref="Release"/> (or cancellation).</summary>
    private sealed class HeldEmbedder(string holdWhenAnyContains) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbedder _inner = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            if (list.Any(v => v.Contains(holdWhenAnyContains, StringComparison.OrdinalIgnoreCase)))
            {
                _entered.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            return await _inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

        public void Dispose()
        {
        }
    }
}
