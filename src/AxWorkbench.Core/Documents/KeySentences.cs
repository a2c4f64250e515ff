using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;

namespace AxWorkbench.Core.Documents;

/// <summary>An extracted sentence with the page it is on.</summary>
public sealed record KeySentence(string Text, int Page, double Score);

/// <summary>
/// Extractive key sentences by TextRank (no language model): sentences are nodes, edges weigh shared words
/// (Korean words also by character bigrams), PageRank picks the central ones, shown in document order with pages.
/// Sentences come from <see cref="Text.SentenceSegmenter"/> (abbreviations, numbers, dates, Korean endings, bullets);
/// footnotes, reference and URL lines, headings, page furniture and table cells are never candidates
/// (<see cref="KeySentenceCandidates"/>), and a sentence that nearly copies one already chosen (word Jaccard above
/// <see cref="NearCopyJaccard"/>, numbers ignored) is passed over.
/// </summary>
public static partial class KeySentences
{
    private const int MaxSentences = 500;

    /// <summary>Above this word overlap (Jaccard, digits ignored) a sentence counts as a near-copy of a chosen one.</summary>
    public const double NearCopyJaccard = 0.7;

    public static IReadOnlyList<KeySentence> Extract(IEnumerable<ParsedPage> pages, int count = 5)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var all = KeySentenceCandidates.From(pages.ToList());
        // Whole sentences only; bullets written as noun phrases join them only when there are too few sentences.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = all.Where(c => seen.Add(Shape(c.Text))).ToList();
        var sentences = unique.Count(c => c.IsComplete) >= count ? unique.Where(c => c.IsComplete).ToList() : unique;
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

        var chosen = new List<int>();
        var shapes = new HashSet<string>[n];
        foreach (var i in Enumerable.Range(0, n).OrderByDescending(i => score[i]))
        {
            shapes[i] = Words(Digits().Replace(sentences[i].Text, "0"));
            if (chosen.Any(c => Jaccard(shapes[c], shapes[i]) > NearCopyJaccard))
            {
                continue;
            }
            chosen.Add(i);
            if (chosen.Count == count)
            {
                break;
            }
        }
        return chosen
            .Order()
            .Select(i => new KeySentence(sentences[i].Text, sentences[i].Page, score[i]))
            .ToList();
    }

    /// <summary>The share of words two sentences have in common (intersection over union).</summary>
    public static double Jaccard(string first, string second) =>
        Jaccard(Words(Digits().Replace(first, "0")), Words(Digits().Replace(second, "0")));

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }
        var shared = a.Count(b.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }

    private static string Shape(string text) => Digits().Replace(Whitespace().Replace(text.ToLowerInvariant(), " "), "0");

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

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[\p{L}\p{N}]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
