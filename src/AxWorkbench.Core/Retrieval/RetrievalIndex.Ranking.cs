using System.Buffers;
using System.Runtime.InteropServices;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Exact vector search over the allowed chunks, score fusion and highlights.</summary>
public sealed partial class RetrievalIndex
{
    /// <summary>Candidates scored by the int8 copies per result kept: the float scores of this many re-rank them.</summary>
    private const int VectorOversample = 4;

    // Each vector also as int8 codes with one scale per vector (value ~ code * scale): the scan reads a quarter of
    // the bytes (at 100k chunks 38 MB instead of 154 MB per search), then the best candidates are scored in float.
    private sbyte[] _codes = [];
    private float[] _codeScales = [];

    /// <summary>Stores a chunk's vector (float and int8 codes) at its ordinal; under the write lock.</summary>
    private void StoreVectorLocked(int ordinal, ReadOnlySpan<float> vector)
    {
        var dimensions = vector.Length;
        var needed = (ordinal + 1) * dimensions;
        if (_vectors.Length < needed)
        {
            var size = Math.Max(needed, _vectors.Length * 2);
            Array.Resize(ref _vectors, size);
            Array.Resize(ref _codes, size);
            Array.Resize(ref _codeScales, size / dimensions);
        }

        vector.CopyTo(_vectors.AsSpan(ordinal * dimensions));
        _codeScales[ordinal] = VectorMath.Quantize(vector, _codes.AsSpan(ordinal * dimensions, dimensions));
    }

    /// <summary>
    /// The <paramref name="depth"/> allowed chunks nearest the query by cosine, positive scores only, exact (float)
    /// scores. The scan scores every allowed vector by its int8 codes; the best <see cref="VectorOversample"/> x depth
    /// of those are scored again in float and ranked. <paramref name="total"/>: allowed chunks whose int8 score is positive.
    /// </summary>
    private List<(int Ordinal, float Score)> VectorLocked(bool[] allowedOrdinals, ReadOnlySpan<float> query, int depth, out int total)
    {
        var dimensions = Embedder!.Dimensions;
        var hasVector = CollectionsMarshal.AsSpan(_hasVector);
        var codes = _codes.AsSpan();
        var scales = _codeScales.AsSpan();
        Span<sbyte> queryCodes = stackalloc sbyte[dimensions];
        var queryScale = VectorMath.Quantize(query, queryCodes);
        // Scores into a pooled buffer (no large per-search allocation), then the top candidates of the positive ones.
        var approximate = ArrayPool<float>.Shared.Rent(allowedOrdinals.Length);
        try
        {
            total = 0;
            for (var i = 0; i < allowedOrdinals.Length; i++)
            {
                var score = allowedOrdinals[i] && hasVector[i] ? VectorMath.DotInt8(queryCodes, codes.Slice(i * dimensions, dimensions)) * queryScale * scales[i] : 0f;
                approximate[i] = score;
                total += score > 0 ? 1 : 0;
            }

            var candidates = TopK(Positive(approximate, allowedOrdinals.Length), depth * VectorOversample);
            var vectors = _vectors.AsSpan();
            var exact = new List<(int Ordinal, float Score)>(candidates.Count);
            foreach (var (ordinal, _) in candidates)
            {
                var score = VectorMath.Dot(query, vectors.Slice(ordinal * dimensions, dimensions));
                if (score > 0)
                {
                    exact.Add((ordinal, score));
                }
            }

            return TopK(exact, depth);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(approximate);
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
