using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>PDF text quality on real briefs: CRS report PDFs against their markdown twins (token-set Jaccard).</summary>
public sealed partial class CrsExtractionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CrsPdfs_MatchTheirMarkdownTwins_TokenJaccardMeanAbove0_9()
    {
        var pdfs = Corpora.Folder("crs-reports/pdf", output, nameof(CrsPdfs_MatchTheirMarkdownTwins_TokenJaccardMeanAbove0_9));
        var markdown = Corpora.Folder("crs-reports/markdown", output, nameof(CrsPdfs_MatchTheirMarkdownTwins_TokenJaccardMeanAbove0_9));
        if (pdfs is null || markdown is null)
        {
            return;
        }

        var twins = Directory.EnumerateFiles(markdown, "*.md", SearchOption.AllDirectories)
            .Select(f => (File: f, Match: TwinName().Match(Path.GetFileName(f))))
            .Where(t => t.Match.Success)
            .ToDictionary(t => $"{t.Match.Groups["id"].Value}.{t.Match.Groups["v"].Value}", t => t.File, StringComparer.OrdinalIgnoreCase);

        await using var worker = WorkerHost.Start();
        var scores = new List<(string Name, double Jaccard, int Pages)>();
        var pages = 0;
        var clock = new Stopwatch();
        foreach (var pdf in Directory.EnumerateFiles(pdfs, "*.pdf", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!twins.TryGetValue(Path.GetFileNameWithoutExtension(pdf), out var twin))
            {
                continue;
            }
            clock.Start();
            var parsed = await worker.ParseAsync(pdf);
            clock.Stop();
            pages += parsed.Pages.Count;
            var score = Jaccard(Tokens(string.Join('\n', parsed.Pages.Select(p => p.Text))), Tokens(MarkdownBody(File.ReadAllText(twin))));
            scores.Add((Path.GetFileName(pdf), score, parsed.Pages.Count));
        }

        foreach (var (name, jaccard, count) in scores)
        {
            output.WriteLine($"{name,-24} {count,4} pages  Jaccard {jaccard:F3}");
        }
        var mean = scores.Average(s => s.Jaccard);
        output.WriteLine($"{scores.Count} pairs, mean Jaccard {mean:F3}, worst {scores.Min(s => s.Jaccard):F3}; {pages} pages in {clock.Elapsed.TotalSeconds:N1} s = {pages / clock.Elapsed.TotalSeconds:N0} pages/s through the warm worker");
        Assert.True(scores.Count >= 40, $"only {scores.Count} PDF/markdown pairs found");
        Assert.True(mean > 0.9, $"mean token Jaccard {mean:F3} is below 0.9");
    }

    private static HashSet<string> Tokens(string text) =>
        Word().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    private static double Jaccard(HashSet<string> a, HashSet<string> b) =>
        a.Count + b.Count == 0 ? 1 : (double)a.Intersect(b).Count() / a.Union(b).Count();

    /// <summary>The report body of the markdown: after the metadata header and the web page's navigation, without link targets.</summary>
    private static string MarkdownBody(string markdown)
    {
        var lines = markdown.Split('\n').ToList();
        var start = lines.FindIndex(l => l.StartsWith("## ", StringComparison.Ordinal) && !l.Contains("CRS PRODUCT", StringComparison.Ordinal));
        var body = string.Join('\n', start >= 0 ? lines.Skip(start) : lines);
        return LinkTarget().Replace(body, "");
    }

    [GeneratedRegex(@"^(?<id>[A-Z]+\d+)v(?<v>\d+)-", RegexOptions.CultureInvariant)]
    private static partial Regex TwinName();

    [GeneratedRegex(@"[\p{L}\p{N}]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    [GeneratedRegex(@"\]\([^)]*\)", RegexOptions.CultureInvariant)]
    private static partial Regex LinkTarget();
}
