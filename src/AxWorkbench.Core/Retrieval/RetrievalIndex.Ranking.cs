using System.Buffers;
using System.Runtime.InteropServices;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Exact vector search over the allowed chunks, score fusion and highlights.</summary>
public sealed partial class RetrievalIndex
{
    private List<(int Ordinal, float Score)> VectorLocked(bool[] allowedOrdinals, ReadOnlySpan<float> query, int depth, out int total)
    {
        var dimensions = Embedder!.Dimensions;
        var hasVector = CollectionsMarshal.AsSpan(_hasVector);
        var vectors = _vectors.AsSpan();
        // Scores into a pooled buffer (no large per-search allocation), then the top depth of the positive ones.
        var scores = ArrayPool<float>.Shared.Rent(allowedOrdinals.Length);
        try
        {
            total = 0;
            for (var i = 0; i < allowedOrdinals.Length; i++)
            {
                var score = allowedOrdinals[i] && hasVector[i] ? VectorMath.Dot(query, vectors.Slice(i * dimensions, dimensions)) : 0f;
                scores[i] = score;
                total += score > 0 ? 1 : 0;
            }

            return TopK(Positive(scores, allowedOrdinals.Length), depth);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }

        static IEnumerable<(int Ordinal, float Score)> Positive(float[] scores, int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (scores[i] > 0)
                {
                    yield return (i, scores[i]);
                }
            }
        }
    }

    private List<(int Ordinal, double Score)> Fuse(List<(int Ordinal, float Score)> bm25, List<(int Ordinal, float Score)> vectors) =>
        ScoreFusion.Fuse(bm25.Take(FusionDepth).ToList(), vectors.Take(FusionDepth).ToList(), Fusion, o => _chunkIds[o]);

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
}
