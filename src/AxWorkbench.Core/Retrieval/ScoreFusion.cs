namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// How hybrid search fuses BM25 and vector hits. <see cref="Bm25Weight"/> weighs BM25 against vectors after each
/// list's scores are min-max normalized over its candidates; <see cref="PinMargin"/> keeps BM25's top hit first when
/// its score is that fraction above BM25's second (a confident lexical match), whatever the vectors say.
/// </summary>
/// <param name="Bm25Weight">0..1: the share of BM25 in the fused score (1 - it for vectors).</param>
/// <param name="PinMargin">0..1: BM25's top hit stays first when (top - second) / top reaches it; 1 pins only a lone hit.</param>
public sealed record FusionSettings(double Bm25Weight, double PinMargin)
{
    /// <summary>
    /// Tuned on the tuning part of XQuAD-en and TyDi-en (questions of two thirds of the articles; see
    /// tests/AxWorkbench.Benchmarks/Retrieval/results/retrieval-report.json, where the held-aside third is reported too),
    /// with the fused int8 MiniLM embedder (profile onnx-int8-fused-256): the grid's best on the tuning parts was BM25 weight
    /// 0.35 (it was 0.25 with the unfused int8 graph, whose vectors differ slightly).
    /// </summary>
    public static FusionSettings Default { get; } = new(DefaultBm25Weight, DefaultPinMargin);

    public const double DefaultBm25Weight = 0.35;
    public const double DefaultPinMargin = 0.4;
}

/// <summary>Score-aware fusion of a BM25 list and a vector list (both sorted best first).</summary>
public static class ScoreFusion
{
    /// <summary>
    /// Fuses the two lists: fused = w * bm25' + (1 - w) * cosine', each side min-max normalized over its own list
    /// (its best is 1, its last 0; a list of one is 1; a candidate missing from a list gets 0 for that side). When
    /// BM25's top hit leads its second by at least <see cref="FusionSettings.PinMargin"/> of its score, it is placed
    /// first. With one list empty the result is the other list's order exactly (Korean queries: BM25's order).
    /// Ties go to the smaller <paramref name="tieKey"/>.
    /// </summary>
    public static List<(int Id, double Score)> Fuse(
        IReadOnlyList<(int Id, float Score)> bm25, IReadOnlyList<(int Id, float Score)> vectors, FusionSettings settings, Func<int, long> tieKey)
    {
        ArgumentNullException.ThrowIfNull(bm25);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(tieKey);
        if (vectors.Count == 0 || bm25.Count == 0)
        {
            // One side only: its own order and scores, untouched.
            return [.. (bm25.Count == 0 ? vectors : bm25).Select(h => (h.Id, (double)h.Score))];
        }

        var fused = new Dictionary<int, double>(bm25.Count + vectors.Count);
        Add(fused, bm25, settings.Bm25Weight);
        Add(fused, vectors, 1 - settings.Bm25Weight);
        var ordered = fused.Select(kv => (Id: kv.Key, Score: kv.Value))
            .OrderByDescending(h => h.Score).ThenBy(h => tieKey(h.Id)).ToList();

        var top = bm25[0];
        var second = bm25.Count > 1 ? bm25[1].Score : 0f;
        if (top.Score > 0 && (top.Score - second) / top.Score >= settings.PinMargin && ordered[0].Id != top.Id)
        {
            var at = ordered.FindIndex(h => h.Id == top.Id);
            var pinned = ordered[at];
            ordered.RemoveAt(at);
            // Scored just above the best, so that the scores stay in the order shown.
            ordered.Insert(0, (pinned.Id, Math.BitIncrement(ordered[0].Score)));
        }

        return ordered;
    }

    private static void Add(Dictionary<int, double> fused, IReadOnlyList<(int Id, float Score)> list, double weight)
    {
        float max = float.MinValue, min = float.MaxValue;
        foreach (var (_, score) in list)
        {
            max = Math.Max(max, score);
            min = Math.Min(min, score);
        }

        var range = max - min;
        foreach (var (id, score) in list)
        {
            var normalized = range > 0 ? (score - min) / range : 1.0;
            fused[id] = fused.GetValueOrDefault(id) + (weight * normalized);
        }
    }
}
