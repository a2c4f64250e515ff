using System.Collections.Concurrent;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Util;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// An <see cref="IndexSearcher"/> whose BM25 statistics (document count, document frequency, total term
/// frequency, average length) are computed over the chunks the user may see, never the whole index: Lucene's
/// IDF would otherwise count hidden chunks and leak their existence into scores. With <see cref="AllowedFilter"/>
/// as the query's filter, hidden chunks are neither scored nor counted.
/// </summary>
internal sealed class ScopedSearcher : IndexSearcher
{
    private readonly FixedBitSet[] _allowed;
    private readonly long _allowedCount;
    private readonly long _allowedTokens;

    private readonly ConcurrentDictionary<string, (long DocFreq, long TotalTermFreq)> _cache;

    /// <param name="cache">Term statistics already computed for this same allowed set and reader.</param>
    public ScopedSearcher(IndexReader reader, FixedBitSet[] allowedPerLeaf, long allowedCount, long allowedTokens, ConcurrentDictionary<string, (long DocFreq, long TotalTermFreq)> cache)
        : base(reader)
    {
        _cache = cache;
        _allowed = allowedPerLeaf;
        _allowedCount = allowedCount;
        _allowedTokens = allowedTokens;
        Similarity = new BM25Similarity();
    }

    public Filter Filter => new AllowedFilter(_allowed);

    public override CollectionStatistics CollectionStatistics(string field) =>
        new(field, Math.Max(1, _allowedCount), _allowedCount, _allowedTokens, -1);

    public override TermStatistics TermStatistics(Term term, TermContext context)
    {
        var (docFreq, totalTermFreq) = _cache.GetOrAdd(term.Text, _ => Count(term));
        return new TermStatistics(term.Bytes, docFreq, Math.Max(docFreq, totalTermFreq));
    }

    private (long DocFreq, long TotalTermFreq) Count(Term term)
    {
        long docFreq = 0, totalTermFreq = 0;
        DocsEnum? docs = null;
        foreach (var leaf in IndexReader.Leaves)
        {
            var terms = leaf.AtomicReader.GetTerms(term.Field);
            if (terms is null)
            {
                continue;
            }

            var termsEnum = terms.GetEnumerator();
            if (!termsEnum.SeekExact(term.Bytes))
            {
                continue;
            }

            // The allowed bits are the postings' accept-docs: only visible chunks are counted.
            docs = termsEnum.Docs(_allowed[leaf.Ord], docs, DocsFlags.FREQS);
            while (docs.NextDoc() != DocIdSetIterator.NO_MORE_DOCS)
            {
                docFreq++;
                totalTermFreq += docs.Freq;
            }
        }

        return (docFreq, totalTermFreq);
    }

    /// <summary>The access filter: per segment, the visible live chunks. Applied by Lucene before scoring.</summary>
    internal sealed class AllowedFilter(FixedBitSet[] allowedPerLeaf) : Filter
    {
        public override DocIdSet GetDocIdSet(AtomicReaderContext context, IBits? acceptDocs) =>
            BitsFilteredDocIdSet.Wrap(allowedPerLeaf[context.Ord], acceptDocs);
    }
}
