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
public sealed class RetrievalIndex : IDisposable
{
    private const string IdField = "cid";
    private const string DocumentField = "doc";
    private const string TextField = "text";
    private const string StampKey = "stamp";
    private const int FusionDepth = 100;
    /// <summary>
    /// Reciprocal rank fusion's k: score = sum over lists of 1 / (k + rank). 10 rather than the customary 60: on
    /// XQuAD-en and TyDi-en (k in 10, 30, 60 tried) it trusts each list's top ranks more, which is what helped.
    /// </summary>
    public const int DefaultRrfK = 10;

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

    private RetrievalIndex(LuceneDirectory directory, EmbedderProfile? embedder, int rrfK)
    {
        _directory = directory;
        Embedder = embedder;
        RrfK = rrfK > 0 ? rrfK : throw new ArgumentOutOfRangeException(nameof(rrfK), "RRF k must be positive.");
    }

    public int RrfK { get; }

    /// <summary>The embedder whose vectors this index holds; null for BM25 only.</summary>
    public EmbedderProfile? Embedder { get; }

    public int ChunkCount => _liveCount;

    /// <summary>True when the Lucene index on disk was missing, stale or unreadable and was rebuilt from the chunks given.</summary>
    public bool WasRebuilt { get; private set; }

    /// <summary>
    /// Opens the index over <paramref name="directory"/> for the given chunks (the database's): the Lucene index is
    /// reused when its stamp matches these chunks, and rebuilt from them when it is missing, stale or corrupt.
    /// </summary>
    public static RetrievalIndex Open(LuceneDirectory directory, EmbedderProfile? embedder, IEnumerable<StoredChunk> chunks, int rrfK = DefaultRrfK)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(chunks);
        var index = new RetrievalIndex(directory, embedder, rrfK);
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

    /// <summary>Adds (or replaces) one document's chunks and records the libraries it belongs to.</summary>
    public void AddDocument(Guid documentId, IReadOnlyCollection<Guid> libraries, IReadOnlyList<StoredChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(documentId);
            foreach (var chunk in chunks)
            {
                if (chunk.Chunk.DocumentId != documentId)
                {
                    throw new ArgumentException($"Chunk {chunk.Chunk.ChunkId} belongs to document {chunk.Chunk.DocumentId}, not {documentId}.", nameof(chunks));
                }

                AddToCatalog(chunk with { Libraries = libraries });
                _writer.AddDocument(ToLucene(chunk.Chunk));
            }

            SetLibrariesLocked(documentId, libraries);
            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds many documents' chunks at once (bulk load; one commit).</summary>
    public void AddMany(IEnumerable<StoredChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        _lock.EnterWriteLock();
        try
        {
            foreach (var chunk in chunks)
            {
                AddToCatalog(chunk);
                _writer.AddDocument(ToLucene(chunk.Chunk));
            }

            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void SetLibraries(Guid documentId, IReadOnlyCollection<Guid> libraries)
    {
        _lock.EnterWriteLock();
        try
        {
            SetLibrariesLocked(documentId, libraries);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void RemoveDocument(Guid documentId)
    {
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(documentId);
            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The analyzed terms of a text (for tests and highlighting).</summary>
    public IReadOnlyList<(string Term, int Start, int End)> Analyze(string text) => _analyzer.Analyze(text);

    /// <summary>
    /// Searches the chunks the scope allows. <paramref name="queryVector"/> (unit length, from <see cref="Embedder"/>)
    /// takes part only when the mode uses vectors; only chunks the embedder read have vectors.
    /// </summary>
    public SearchResults Search(AccessScope scope, string query, ReadOnlyMemory<float>? queryVector, int top, RetrievalMode mode)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(query);
        var language = TextLanguage.Detect(query);
        var queryTerms = QueryTerms(query);
        var useVectors = mode != RetrievalMode.Bm25 && queryVector is { Length: > 0 } && Embedder is not null
            && Embedder.Reads(language) && queryVector.Value.Length == Embedder.Dimensions;
        var useBm25 = mode != RetrievalMode.Vector;
        if (top <= 0 || (!useVectors && (!useBm25 || queryTerms.Count == 0)))
        {
            return SearchResults.Empty(language);
        }

        _lock.EnterReadLock();
        var searcher = _searchers.Acquire();
        try
        {
            var state = ScopeStateLocked(scope, searcher.IndexReader);
            var allowedOrdinals = state.Allowed;
            var depth = Math.Max(top, FusionDepth);
            var bm25Total = 0;
            var vectorTotal = 0;
            List<(int Ordinal, float Score)> bm25 = useBm25 && queryTerms.Count > 0 ? Bm25Locked(searcher.IndexReader, state, queryTerms, depth, out bm25Total) : [];
            List<(int Ordinal, float Score)> vectors = useVectors ? VectorLocked(allowedOrdinals, queryVector!.Value.Span, depth, out vectorTotal) : [];

            var bm25Ranks = Ranks(bm25);
            var vectorRanks = Ranks(vectors);
            List<(int Ordinal, double Score)> fused = mode switch
            {
                RetrievalMode.Bm25 => bm25.Select(h => (h.Ordinal, (double)h.Score)).ToList(),
                RetrievalMode.Vector => vectors.Select(h => (h.Ordinal, (double)h.Score)).ToList(),
                _ => Fuse(bm25, vectors),
            };
            // Hybrid: every lexical match, plus the vector candidates (top FusionDepth) that did not match lexically.
            var total = mode switch
            {
                RetrievalMode.Bm25 => bm25Total,
                RetrievalMode.Vector => vectorTotal,
                _ => bm25Total + fused.Count - Math.Min(bm25.Count, FusionDepth),
            };

            var termSet = queryTerms.ToHashSet(StringComparer.Ordinal);
            var hits = fused.Take(top).Select(h =>
            {
                var entry = _entries[h.Ordinal];
                var chunk = entry.Chunk;
                bm25Ranks.TryGetValue(h.Ordinal, out var b);
                vectorRanks.TryGetValue(h.Ordinal, out var v);
                return new SearchHit(chunk.ChunkId, chunk.DocumentId, chunk.Version, chunk.Title, chunk.Page, chunk.Start, chunk.Length,
                    chunk.Marking, chunk.Text, Highlight(chunk.Text, termSet), h.Score,
                    b.Rank > 0 ? b.Score : null, v.Rank > 0 ? v.Score : null, b.Rank > 0 ? b.Rank : null, v.Rank > 0 ? v.Rank : null);
            }).ToList();
            return new SearchResults(hits, total, language, useVectors);
        }
        finally
        {
            _searchers.Release(searcher);
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// The query's distinct terms. A CJK syllable that is also inside one of the query's bigrams is left out: the
    /// bigram already asks for it, and lone syllables (particles such as 의, 는) would only add noise. A
    /// one-syllable word keeps its unigram, so one-syllable queries still match (the index holds both).
    /// </summary>
    private List<string> QueryTerms(string query)
    {
        var analyzed = _analyzer.Analyze(query);
        var bigrams = analyzed.Where(t => t.End - t.Start == 2 && IsCjk(t.Term)).ToList();
        return analyzed
            .Where(t => !(t.Term.Length == 1 && IsCjk(t.Term) && bigrams.Any(b => b.Start <= t.Start && t.End <= b.End)))
            .Select(t => t.Term).Distinct(StringComparer.Ordinal).ToList();

        static bool IsCjk(string term) => term.Length > 0 && term[0] >= '\u1100';
    }

    private bool[] AllowedOrdinals(bool[] markingAllowed, bool[] libraryAllowed)
    {
        var documentAllowed = new bool[_documents.Count];
        for (var d = 0; d < documentAllowed.Length; d++)
        {
            foreach (var library in _documents[d].Libraries)
            {
                documentAllowed[d] |= libraryAllowed[library];
            }
        }

        var markings = CollectionsMarshal.AsSpan(_markingOf);
        var documents = CollectionsMarshal.AsSpan(_documentOf);
        var live = CollectionsMarshal.AsSpan(_live);
        var allowed = new bool[markings.Length];
        for (var i = 0; i < allowed.Length; i++)
        {
            allowed[i] = live[i] && markingAllowed[markings[i]] && documentAllowed[documents[i]];
        }

        return allowed;
    }

    /// <summary>
    /// What a search needs to know about its scope: the allowed chunks, per-segment filter bits, the BM25 collection
    /// statistics and a per-term statistics cache, all computed over the allowed chunks only. Cached per distinct
    /// allowed set (which markings are dominated, which libraries are searchable) until the index changes.
    /// </summary>
    private ScopeState ScopeStateLocked(AccessScope scope, IndexReader reader)
    {
        var markingAllowed = _markings.Select(m => Access.Dominates(scope.Authorization, m)).ToArray();
        var libraryAllowed = _libraries.Select(scope.Libraries.Contains).ToArray();
        var key = string.Concat(markingAllowed.Select(b => b ? '1' : '0')) + "|" + string.Concat(libraryAllowed.Select(b => b ? '1' : '0'));
        if (_scopeCache.TryGetValue(key, out var cached) && ReferenceEquals(cached.Reader, reader))
        {
            return cached;
        }

        var allowedOrdinals = AllowedOrdinals(markingAllowed, libraryAllowed);
        var leaves = reader.Leaves;
        var perLeaf = new FixedBitSet[leaves.Count];
        var leafOrdinals = new int[leaves.Count][];
        long allowedCount = 0, allowedTokens = 0;
        foreach (var leaf in leaves)
        {
            var map = SegmentOrdinals(leaf.AtomicReader);
            var live = leaf.AtomicReader.LiveDocs;
            var bits = new FixedBitSet(map.Length);
            for (var doc = 0; doc < map.Length; doc++)
            {
                var ordinal = map[doc];
                if (ordinal >= 0 && allowedOrdinals[ordinal] && (live is null || live.Get(doc)))
                {
                    bits.Set(doc);
                    allowedCount++;
                    allowedTokens += _entries[ordinal].Tokens;
                }
            }

            perLeaf[leaf.Ord] = bits;
            leafOrdinals[leaf.Ord] = map;
        }

        var state = new ScopeState(reader, allowedOrdinals, perLeaf, leafOrdinals, allowedCount, allowedTokens);
        if (_scopeCache.Count >= 256)
        {
            _scopeCache.Clear();
        }

        _scopeCache[key] = state;
        return state;
    }

    private List<(int Ordinal, float Score)> Bm25Locked(IndexReader reader, ScopeState state, List<string> terms, int depth, out int total)
    {
        var leafOrdinals = state.LeafOrdinals;
        var searcher = new ScopedSearcher(reader, state.PerLeaf, state.AllowedCount, state.AllowedTokens, state.TermStatistics);
        var filter = searcher.Filter;
        // One query per term, summed in query-term order: the same float operations whatever else is in the index.
        var scores = new double[_entries.Count];
        var seen = new bool[_entries.Count];
        var matched = new List<int>();
        foreach (var term in terms)
        {
            searcher.Search(new TermQuery(new Term(TextField, term)), filter, new Collector(leafOrdinals, scores, seen, matched));
        }

        total = matched.Count;
        return TopK(matched.Select(o => (o, (float)scores[o])), depth);
    }

    /// <summary>The best <paramref name="k"/> by score, ties broken by chunk id; sorted.</summary>
    private List<(int Ordinal, float Score)> TopK(IEnumerable<(int Ordinal, float Score)> candidates, int k)
    {
        var comparer = Comparer<(int Ordinal, float Score)>.Create((a, b) =>
        {
            var c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : _chunkIds[a.Ordinal].CompareTo(_chunkIds[b.Ordinal]);
        });
        // A heap whose root is the worst kept candidate.
        var heap = new PriorityQueue<(int Ordinal, float Score), (int Ordinal, float Score)>(Comparer<(int Ordinal, float Score)>.Create((a, b) => comparer.Compare(b, a)));
        foreach (var s in candidates)
        {
            if (heap.Count < k)
            {
                heap.Enqueue(s, s);
            }
            else if (comparer.Compare(s, heap.Peek()) < 0)
            {
                heap.DequeueEnqueue(s, s);
            }
        }

        var top = heap.UnorderedItems.Select(x => x.Element).ToList();
        top.Sort(comparer);
        return top;
    }

    private List<(int Ordinal, float Score)> VectorLocked(bool[] allowedOrdinals, ReadOnlySpan<float> query, int depth, out int total)
    {
        var dimensions = Embedder!.Dimensions;
        var scored = new List<(int Ordinal, float Score)>();
        var hasVector = CollectionsMarshal.AsSpan(_hasVector);
        var vectors = _vectors.AsSpan();
        for (var i = 0; i < allowedOrdinals.Length; i++)
        {
            if (allowedOrdinals[i] && hasVector[i])
            {
                var score = VectorMath.Dot(query, vectors.Slice(i * dimensions, dimensions));
                if (score > 0)
                {
                    scored.Add((i, score));
                }
            }
        }

        total = scored.Count;
        return TopK(scored, depth);
    }

    private List<(int Ordinal, double Score)> Fuse(List<(int Ordinal, float Score)> bm25, List<(int Ordinal, float Score)> vectors)
    {
        var fused = new Dictionary<int, double>();
        for (var r = 0; r < Math.Min(FusionDepth, bm25.Count); r++)
        {
            fused[bm25[r].Ordinal] = 1.0 / (RrfK + r + 1);
        }

        for (var r = 0; r < Math.Min(FusionDepth, vectors.Count); r++)
        {
            fused[vectors[r].Ordinal] = fused.GetValueOrDefault(vectors[r].Ordinal) + (1.0 / (RrfK + r + 1));
        }

        return fused.Select(kv => (kv.Key, kv.Value))
            .OrderByDescending(h => h.Value).ThenBy(h => _chunkIds[h.Key]).ToList();
    }

    private static Dictionary<int, (int Rank, float Score)> Ranks(List<(int Ordinal, float Score)> list)
    {
        var ranks = new Dictionary<int, (int, float)>();
        for (var i = 0; i < list.Count; i++)
        {
            ranks[list[i].Ordinal] = (i + 1, list[i].Score);
        }

        return ranks;
    }

    private List<HighlightSpan> Highlight(string text, HashSet<string> terms)
    {
        var spans = new List<HighlightSpan>();
        foreach (var (term, start, end) in _analyzer.Analyze(text).Where(t => terms.Contains(t.Term)).OrderBy(t => t.Start))
        {
            if (spans.Count > 0 && start <= spans[^1].Start + spans[^1].Length)
            {
                var last = spans[^1];
                spans[^1] = new HighlightSpan(last.Start, Math.Max(last.Start + last.Length, end) - last.Start);
            }
            else
            {
                spans.Add(new HighlightSpan(start, end - start));
            }
        }

        return spans;
    }

    private int[] SegmentOrdinals(AtomicReader reader) =>
        _segmentOrdinals.GetValue(reader.CoreCacheKey, _ =>
        {
            var ids = reader.GetNumericDocValues(IdField);
            var map = new int[reader.MaxDoc];
            for (var doc = 0; doc < map.Length; doc++)
            {
                map[doc] = ids is not null && _ordinals.TryGetValue(ids.Get(doc), out var ordinal) ? ordinal : -1;
            }

            return map;
        });

    private void AddToCatalog(StoredChunk stored)
    {
        var chunk = stored.Chunk;
        if (_ordinals.ContainsKey(chunk.ChunkId))
        {
            throw new InvalidOperationException($"Chunk {chunk.ChunkId} is already indexed; chunk ids are never reused.");
        }

        if (!_markingIds.TryGetValue(chunk.Marking, out var markingId))
        {
            markingId = _markings.Count;
            _markings.Add(chunk.Marking);
            _markingIds.Add(chunk.Marking, markingId);
        }

        if (!_documentIds.TryGetValue(chunk.DocumentId, out var documentIndex))
        {
            documentIndex = _documents.Count;
            _documents.Add(new DocumentEntry(LibraryIndexes(stored.Libraries), []));
            _documentIds.Add(chunk.DocumentId, documentIndex);
        }

        var ordinal = _entries.Count;
        var hasVector = false;
        if (Embedder is not null && stored.Vector is { } vector && Embedder.Reads(chunk.Language))
        {
            if (vector.Length != Embedder.Dimensions)
            {
                throw new ArgumentException($"Chunk {chunk.ChunkId} has a {vector.Length}-d vector; the embedder '{Embedder.Id}' makes {Embedder.Dimensions}-d vectors. Re-index.", nameof(stored));
            }

            var needed = (ordinal + 1) * Embedder.Dimensions;
            if (_vectors.Length < needed)
            {
                Array.Resize(ref _vectors, Math.Max(needed, _vectors.Length * 2));
            }

            vector.CopyTo(_vectors.AsSpan(ordinal * Embedder.Dimensions));
            hasVector = true;
        }

        var tokens = stored.Tokens ?? _analyzer.Analyze(chunk.Text).Count;
        _entries.Add(new Entry(chunk, markingId, documentIndex, tokens, hasVector) { Live = true });
        _markingOf.Add(markingId);
        _documentOf.Add(documentIndex);
        _live.Add(true);
        _hasVector.Add(hasVector);
        _chunkIds.Add(chunk.ChunkId);
        _ordinals.Add(chunk.ChunkId, ordinal);
        _documents[documentIndex].Ordinals.Add(ordinal);
        _liveCount++;
        _stampSum = unchecked(_stampSum + (chunk.ChunkId * 2654435761L));
    }

    private void RemoveLocked(Guid documentId)
    {
        if (!_documentIds.TryGetValue(documentId, out var documentIndex))
        {
            return;
        }

        foreach (var ordinal in _documents[documentIndex].Ordinals)
        {
            var entry = _entries[ordinal];
            if (entry.Live)
            {
                entry.Live = false;
                _live[ordinal] = false;
                _liveCount--;
                _stampSum = unchecked(_stampSum - (entry.Chunk.ChunkId * 2654435761L));
            }
        }

        _documents[documentIndex].Ordinals.Clear();
        _writer.DeleteDocuments(new Term(DocumentField, documentId.ToString("N")));
    }

    private void SetLibrariesLocked(Guid documentId, IReadOnlyCollection<Guid> libraries)
    {
        _scopeCache.Clear();
        if (_documentIds.TryGetValue(documentId, out var documentIndex))
        {
            _documents[documentIndex] = _documents[documentIndex] with { Libraries = LibraryIndexes(libraries) };
        }
    }

    private int[] LibraryIndexes(IEnumerable<Guid> libraries) =>
        [.. libraries.Distinct().Select(id =>
        {
            if (!_libraryIds.TryGetValue(id, out var index))
            {
                index = _libraries.Count;
                _libraries.Add(id);
                _libraryIds.Add(id, index);
            }

            return index;
        })];

    private string Stamp() => string.Create(CultureInfo.InvariantCulture, $"{_liveCount}:{_stampSum}:{Embedder?.Id}");

    private void CommitLocked()
    {
        _scopeCache.Clear();
        _writer.SetCommitData(new Dictionary<string, string> { [StampKey] = Stamp() });
        _writer.Commit();
    }

    private static Document ToLucene(IndexedChunk chunk) =>
    [
        new NumericDocValuesField(IdField, chunk.ChunkId),
        new StringField(DocumentField, chunk.DocumentId.ToString("N"), Field.Store.NO),
        new TextField(TextField, chunk.Text, Field.Store.NO),
    ];

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

    private sealed record ScopeState(IndexReader Reader, bool[] Allowed, FixedBitSet[] PerLeaf, int[][] LeafOrdinals, long AllowedCount, long AllowedTokens)
    {
        public ConcurrentDictionary<string, (long DocFreq, long TotalTermFreq)> TermStatistics { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Collector(int[][] leafOrdinals, double[] scores, bool[] seen, List<int> matched) : ICollector
    {
        private Scorer? _scorer;
        private int[] _map = [];

        public bool AcceptsDocsOutOfOrder => true;

        public void SetScorer(Scorer scorer) => _scorer = scorer;

        public void SetNextReader(AtomicReaderContext context) => _map = leafOrdinals[context.Ord];

        public void Collect(int doc)
        {
            var ordinal = _map[doc];
            if (!seen[ordinal])
            {
                seen[ordinal] = true;
                matched.Add(ordinal);
            }

            scores[ordinal] += _scorer!.GetScore();
        }
    }
}

/// <summary>A chunk as the database holds it: the chunk, its vector (null when the embedder does not read its language), token count and libraries.</summary>
public sealed record StoredChunk(IndexedChunk Chunk, float[]? Vector, IReadOnlyCollection<Guid> Libraries, int? Tokens = null);
