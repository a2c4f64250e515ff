using AxWorkbench.Core.Markings;
using System.Runtime.InteropServices;
using AxWorkbench.Core.Data;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// Owns the one <see cref="RetrievalIndex"/>. At start it re-embeds the chunks when the configured embedder is not
/// the one recorded in the database, then opens the index next to the database, rebuilding it from the chunks when
/// it is missing, stale or damaged. Searches wait for this to finish.
/// </summary>
public sealed partial class RetrievalIndexHost(
    IDbContextFactory<WorkbenchDbContext> contexts,
    IOptions<RetrievalOptions> options,
    IOptions<DataOptions> data,
    IHostEnvironment environment,
    ILogger<RetrievalIndexHost> logger,
    IEmbeddingGenerator<string, Embedding<float>>? embedder = null) : IHostedService, IDisposable
{
    internal const string EmbedderSetting = "embedder";

    private readonly TaskCompletionSource<RetrievalIndex> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FSDirectory? _directory;

    public EmbedderProfile? Embedder { get; } = embedder?.GetService<EmbedderProfile>();

    public IEmbeddingGenerator<string, Embedding<float>>? Generator => embedder;

    /// <summary>The last retrieval change id in the database when the index was loaded: the followers start after it.</summary>
    public long ChangeIdAtOpen { get; private set; }

    public string IndexPath =>
        Path.Combine(data.Value.ResolveDataDirectory(environment.ContentRootPath), options.Value.IndexDirectory);

    public Task<RetrievalIndex> GetAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _ready.TrySetResult(await OpenAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _ready.TrySetException(ex);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<RetrievalIndex> OpenAsync(CancellationToken cancellationToken)
    {
        await ReembedIfChangedAsync(cancellationToken);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // Read before the chunks: a change committed meanwhile is applied again by the follower (harmless), never missed.
            ChangeIdAtOpen = await db.RetrievalChanges.MaxAsync(c => (long?)c.Id, cancellationToken) ?? 0;
        }

        var chunks = await LoadAsync(cancellationToken);
        System.IO.Directory.CreateDirectory(IndexPath);
        _directory = FSDirectory.Open(IndexPath);
        RetrievalIndex index;
        try
        {
            index = RetrievalIndex.Open(_directory, Embedder, chunks, options.Value.FusionSettings);
        }
        catch (Exception ex) when (ex is IOException or CorruptIndexException or LockObtainFailedException)
        {
            LogIndexDamaged(logger, IndexPath, ex.Message);
            _directory.Dispose();
            System.IO.Directory.Delete(IndexPath, recursive: true);
            System.IO.Directory.CreateDirectory(IndexPath);
            _directory = FSDirectory.Open(IndexPath);
            index = RetrievalIndex.Open(_directory, Embedder, chunks, options.Value.FusionSettings);
        }

        LogIndexReady(logger, index.ChunkCount, IndexPath, index.WasRebuilt, Embedder?.Id ?? "none");
        return index;
    }

    /// <summary>When the embedder changed (or none is recorded), every chunk's vector is recomputed and the new embedder recorded.</summary>
    private async Task ReembedIfChangedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var recorded = await db.RetrievalSettings.FirstOrDefaultAsync(s => s.Key == EmbedderSetting, cancellationToken);
        var current = Embedder?.Id ?? "none";
        if (recorded?.Value == current)
        {
            return;
        }

        LogReembedding(logger, recorded?.Value ?? "(none)", current);
        long after = 0;
        while (true)
        {
            var batch = await db.Chunks.Where(c => c.Id > after).OrderBy(c => c.Id).Take(256).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            await EmbedAsync(batch, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            after = batch[^1].Id;
        }

        if (recorded is null)
        {
            db.RetrievalSettings.Add(new RetrievalSetting { Key = EmbedderSetting, Value = current });
        }
        else
        {
            db.RetrievalSettings.Attach(recorded);
            recorded.Value = current;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Sets each chunk's vector from the embedder (null where it cannot read the chunk's language).</summary>
    internal async Task EmbedAsync(IReadOnlyList<RetrievalChunk> chunks, CancellationToken cancellationToken)
    {
        var readable = Embedder is null || embedder is null ? [] : chunks.Where(c => Embedder.Reads(c.Language)).ToList();
        foreach (var chunk in chunks)
        {
            chunk.Vector = null;
        }

        if (readable.Count == 0)
        {
            return;
        }

        // In slices: the embedder takes one call at a time (MiniLM's gate), and an analyst's question embeds its query
        // through the same embedder, so it waits for at most one slice of a long document, not for the whole of it.
        for (var start = 0; start < readable.Count; start += EmbedSlice)
        {
            var slice = readable.GetRange(start, Math.Min(EmbedSlice, readable.Count - start));
            var vectors = await embedder!.GenerateAsync(slice.Select(c => c.Text), cancellationToken: cancellationToken);
            for (var i = 0; i < slice.Count; i++)
            {
                slice[i].Vector = MemoryMarshal.AsBytes(vectors[i].Vector.Span).ToArray();
            }
        }
    }

    /// <summary>Chunks per embedder call when embedding documents (~0.3 s of MiniLM on 2 cores).</summary>
    internal const int EmbedSlice = 64;

    private async Task<List<StoredChunk>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var titles = await db.RetrievalDocuments.AsNoTracking().ToDictionaryAsync(d => d.DocumentId, d => d.Title, cancellationToken);
        var links = (await db.LibraryDocuments.AsNoTracking().Select(l => new { l.DocumentId, l.LibraryId }).ToListAsync(cancellationToken))
            .GroupBy(l => l.DocumentId).ToDictionary(g => g.Key, g => (IReadOnlyCollection<Guid>)g.Select(l => l.LibraryId).ToList());
        var chunks = new List<StoredChunk>();
        await foreach (var c in db.Chunks.AsNoTracking().OrderBy(c => c.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            chunks.Add(ToStored(c, titles.GetValueOrDefault(c.DocumentId, ""), links.GetValueOrDefault(c.DocumentId, [])));
        }

        return chunks;
    }

    internal static StoredChunk ToStored(RetrievalChunk c, string title, IReadOnlyCollection<Guid> libraries) =>
        new(new IndexedChunk(c.Id, c.DocumentId, c.Version, title, c.Page, c.Start, c.Length, c.Text, MarkingStorage.FromStorage(c.Marking), c.Language, c.Ocr, c.OcrConfidence),
            c.Vector is null ? null : MemoryMarshal.Cast<byte, float>(c.Vector).ToArray(), libraries, c.Tokens);

    public void Dispose()
    {
        if (_ready.Task.IsCompletedSuccessfully)
        {
            _ready.Task.Result.Dispose();
        }

        _directory?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrieval index at {Path} is damaged ({Reason}); rebuilding it from the database")]
    private static partial void LogIndexDamaged(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrieval index ready: {Chunks} chunks at {Path} (rebuilt: {Rebuilt}, embedder {Embedder})")]
    private static partial void LogIndexReady(ILogger logger, int chunks, string path, bool rebuilt, string embedder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedder changed from {Old} to {New}: re-embedding every chunk")]
    private static partial void LogReembedding(ILogger logger, string old, string @new);
}
