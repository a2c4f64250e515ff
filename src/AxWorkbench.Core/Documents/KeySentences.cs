using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;

namespace AxWorkbench.Core.Documents;

/// <summary>An extracted sentence with the page it is on.</summary>
public sealed record KeySentence(string Text, int Page, double Score);

/// <summary>
/// Extractive key sentences by TextRank (no language model): sentences are nodes, edges weigh shared words
/// (Korean words also by character bigrams), PageRank picks the central ones, shown in document order with pages.
/// </summary>
public static partial class KeySentences
{
    private const int MaxSentences = 500;

    public static IReadOnlyList<KeySentence> Extract(IEnumerable<ParsedPage> pages, int count = 5)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var pageList = pages.ToList();
        var running = RunningLines(pageList);
        var sentences = new List<(string Text, int Page)>();
        foreach (var page in pageList)
        {
            var body = string.Join('\n', page.Text.Split('\n').Where(l => !running.Contains(Normalize(l))));
            var flowing = Whitespace().Replace(body, " ");
            foreach (Match match in Sentence().Matches(flowing))
            {
                var text = match.Value.Trim();
                var words = Words(text).Count;
                if (words is >= 6 and <= 60)
                {
                    sentences.Add((text, page.Number));
                }
            }
        }
        if (sentences.Count == 0)
        {
            return [];
        }
        if (sentences.Count > MaxSentences)
        {
            // Even sampling keeps every part of a long document in play and the ranking well under a second.
            var step = (double)sentences.Count / MaxSentences;
            sentences = Enumerable.Range(0, MaxSentences).Select(i => sentences[(int)(i * step)]).ToList();
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokens = sentences
            .Select(s => Words(s.Text).Select(w => ids.TryGetValue(w, out var id) ? id : ids[w] = ids.Count).Order().ToArray())
            .ToArray();
        var n = sentences.Count;
        var weights = new double[n][];
        var totals = new double[n];
        for (var i = 0; i < n; i++)
        {
            weights[i] = new double[n];
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var shared = SharedCount(tokens[i], tokens[j]);
                if (shared == 0)
                {
                    continue;
                }
                var w = shared / (Math.Log(tokens[i].Length + 1) + Math.Log(tokens[j].Length + 1));
                weights[i][j] = weights[j][i] = w;
                totals[i] += w;
                totals[j] += w;
            }
        }

        var score = Enumerable.Repeat(1.0 / n, n).ToArray();
        for (var iteration = 0; iteration < 30; iteration++)
        {
            var next = new double[n];
            for (var j = 0; j < n; j++)
            {
                if (totals[j] == 0)
                {
                    continue;
                }
                var share = score[j] / totals[j];
                var row = weights[j];
                for (var i = 0; i < n; i++)
                {
                    next[i] += row[i] * share;
                }
            }
            for (var i = 0; i < n; i++)
            {
                next[i] = (1 - 0.85) / n + 0.85 * next[i];
            }
            score = next;
        }

        return Enumerable.Range(0, n)
            .OrderByDescending(i => score[i])
            .Take(count)
            .Order()
            .Select(i => new KeySentence(sentences[i].Text, sentences[i].Page, score[i]))
            .ToList();
    }

    private static int SharedCount(int[] a, int[] b)
    {
        int i = 0, j = 0, shared = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                shared++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return shared;
    }

    /// <summary>Lines repeated on many pages (running headers and footers, page numbers normalized away).</summary>
    private static HashSet<string> RunningLines(List<ParsedPage> pages)
    {
        if (pages.Count < 3)
        {
            return [];
        }
        return pages
            .SelectMany(p => p.Text.Split('\n').Select(Normalize).Where(l => l.Length > 0).Distinct())
            .GroupBy(l => l, StringComparer.Ordinal)
            .Where(g => g.Count() >= Math.Max(3, pages.Count * 0.3))
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static string Normalize(string line) => Digits().Replace(line.Trim(), "#");

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

    private static HashSet<string> Words(string sentence)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match word in Word().Matches(sentence.ToLowerInvariant()))
        {
            var value = word.Value;
            if (value.Length <= 3 && value.All(char.IsAsciiLetter) && StopWords.Contains(value))
            {
                continue;
            }
            if (value.Any(c => c is >= '\uAC00' and <= '\uD7A3') && value.Length > 2)
            {
                for (var k = 0; k + 1 < value.Length; k++)
                {
                    set.Add(value.Substring(k, 2));
                }
            }
            else
            {
                set.Add(value);
            }
        }
        return set;
    }

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "was", "its", "of", "to", "in", "on", "by", "as", "at", "an", "or", "is", "be", "it", "that", "this", "with", "from",
    };

    [GeneratedRegex(@"[^.!?。]+(?:[.!?。]+|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Sentence();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[\p{L}\p{N}]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
