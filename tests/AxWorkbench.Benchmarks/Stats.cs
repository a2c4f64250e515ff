namespace AxWorkbench.Benchmarks;

/// <summary>Figures every benchmark reports the same way.</summary>
internal static class Stats
{
    /// <summary>The p-th percentile (0..1) of ascending values, interpolated between neighbours; 0 for no values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
