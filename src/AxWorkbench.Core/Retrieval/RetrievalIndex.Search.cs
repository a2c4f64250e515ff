using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using AxWorkbench.Core.Markings;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Search: the allowed set first (marking and library), then BM25 over it with statistics from it alone.</summary>
public sealed partial class RetrievalIndex
{
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
                    b.Rank > 0 ? b.Score : null, v.Rank > 0 ? v.Score : null, b.Rank > 0 ? b.Rank : null, v.Rank > 0 ? v.Rank : null, chunk.Ocr, chunk.OcrConfidence);
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
        // Per-chunk accumulators from a pool: at 100k chunks, fresh arrays per search would be large-object-heap
        // allocations (and the gen-2 collections they bring) on every query.
        var count = _entries.Count;
        var scores = ArrayPool<double>.Shared.Rent(count);
        var seen = ArrayPool<bool>.Shared.Rent(count);
        try
        {
            Array.Clear(scores, 0, count);
            Array.Clear(seen, 0, count);
            var matched = new List<int>();
            foreach (var term in terms)
            {
                searcher.Search(new TermQuery(new Term(TextField, term)), filter, new Collector(leafOrdinals, scores, seen, matched));
            }

            total = matched.Count;
            return TopK(matched.Select(o => (o, (float)scores[o])), depth);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scores);
            ArrayPool<bool>.Shared.Return(seen);
        }
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
            else if (s.Score >= heap.Peek().Score && comparer.Compare(s, heap.Peek()) < 0)
            {
                heap.DequeueEnqueue(s, s);
            }
        }

        var top = heap.UnorderedItems.Select(x => x.Element).ToList();
        top.Sort(comparer);
        return top;
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
