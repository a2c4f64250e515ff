using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AxWorkbench.Core.Markings;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Whom a search is for: the authorization and the libraries the user may search (already restricted to their membership).</summary>
public sealed record AccessScope(UserAuthorization Authorization, IReadOnlySet<Guid> Libraries);

/// <summary>
/// The search indexes over chunks: BM25 in Lucene (<see cref="MixedTextAnalyzer"/>) and exact vector search
/// (SIMD dot products over the allowed chunks only). Access is decided before ranking: the allowed set (marking
/// dominated and document in one of the scope's libraries) is computed first; BM25 statistics, scoring, vector
/// candidates, fusion, counts and highlights are all computed from it alone, so a search's output is identical to the
/// same search on a corpus without the chunks the user may not see. The index is a cache of the database.
/// </summary>
public sealed partial class RetrievalIndex : IDisposable
{
    private const string IdField = "cid";
    private const string DocumentField = "doc";
    private const string TextField = "text";
    private const string StampKey = "stamp";
    private const int FusionDepth = 100;

    private readonly LuceneDirectory _directory;
    private readonly MixedTextAnalyzer _analyzer = new();
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<long, int> _ordinals = [];
    private readonly List<Marking> _markings = [];
    private readonly Dictionary<Marking, int> _markingIds = [];
    private readonly List<DocumentEntry> _documents = [];
    private readonly List<Guid> _libraries = [];
    private readonly Dictionary<Guid, int> _libraryIds = [];

    // Hot per-chunk columns (by ordinal), scanned on every search.
    private readonly List<int> _markingOf = [];
    private readonly List<int> _documentOf = [];
    private readonly List<bool> _live = [];
    private readonly List<bool> _hasVector = [];
    private readonly List<long> _chunkIds = [];
    private readonly Dictionary<Guid, int> _documentIds = [];
    private readonly ConditionalWeakTable<object, int[]> _segmentOrdinals = new();
    private readonly ConcurrentDictionary<string, ScopeState> _scopeCache = new(StringComparer.Ordinal);
    private IndexWriter _writer = null!;
    private SearcherManager _searchers = null!;
    private float[] _vectors = [];
    private long _stampSum;
    private int _liveCount;

    private RetrievalIndex(LuceneDirectory directory, EmbedderProfile? embedder, FusionSettings? fusion)
    {
        _directory = directory;
        Embedder = embedder;
        Fusion = fusion ?? FusionSettings.Default;
        if (Fusion.Bm25Weight is < 0 or > 1 || Fusion.PinMargin is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fusion), "Fusion weight and pin margin must be between 0 and 1.");
        }
    }

    /// <summary>How hybrid search fuses BM25 and vectors.</summary>
    public FusionSettings Fusion { get; }

    /// <summary>The embedder whose vectors this index holds; null for BM25 only.</summary>
    public EmbedderProfile? Embedder { get; }

    public int ChunkCount => _liveCount;

    /// <summary>True when the Lucene index on disk was missing, stale or unreadable and was rebuilt from the chunks given.</summary>
    public bool WasRebuilt { get; private set; }

    /// <summary>
    /// Opens the index over <paramref name="directory"/> for the given chunks (the database's): the Lucene index is
    /// reused when its stamp matches these chunks, and rebuilt from them when it is missing, stale or corrupt.
    /// </summary>
    public static RetrievalIndex Open(LuceneDirectory directory, EmbedderProfile? embedder, IEnumerable<StoredChunk> chunks, FusionSettings? fusion = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(chunks);
        var index = new RetrievalIndex(directory, embedder, fusion);
        var list = chunks.ToList();
        foreach (var chunk in list)
        {
            index.AddToCatalog(chunk);
        }

        var stamp = index.Stamp();
        string? stored = null;
        try
        {
            if (DirectoryReader.IndexExists(directory))
            {
                using var reader = DirectoryReader.Open(directory);
                stored = reader.IndexCommit.UserData.TryGetValue(StampKey, out var s) ? s : null;
                if (stored == stamp && reader.NumDocs != index._liveCount)
                {
                    stored = null;
                }
            }
        }
        catch (Exception e) when (e is IOException or CorruptIndexException or IndexFormatTooOldException or IndexFormatTooNewException or InvalidOperationException)
        {
            stored = null;
        }

        var rebuild = stored != stamp;
        index._writer = new IndexWriter(directory, new IndexWriterConfig(MixedTextAnalyzer.Version, index._analyzer)
        {
            OpenMode = rebuild ? OpenMode.CREATE : OpenMode.APPEND,
            Similarity = new BM25Similarity(),
        });
        if (rebuild)
        {
            foreach (var chunk in list)
            {
                index._writer.AddDocument(ToLucene(chunk.Chunk));
            }

            index.WasRebuilt = true;
            index.CommitLocked();
        }

        index._searchers = new SearcherManager(index._writer, true, null);
        return index;
    }

    public void Dispose()
    {
        _searchers?.Dispose();
        _writer?.Dispose();
        _analyzer.Dispose();
        _lock.Dispose();
    }

    private sealed record Entry(IndexedChunk Chunk, int MarkingId, int DocumentIndex, int Tokens, bool HasVector)
    {
        public bool Live { get; set; }
    }

    private sealed record DocumentEntry(int[] Libraries, List<int> Ordinals);
}

/// <summary>A chunk as the database holds it: the chunk, its vector (null when the embedder does not read its language), token count and libraries.</summary>
public sealed record StoredChunk(IndexedChunk Chunk, float[]? Vector, IReadOnlyCollection<Guid> Libraries, int? Tokens = null);
