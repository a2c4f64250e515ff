using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Text;

namespace AxWorkbench.Core.Documents;

/// <summary>A unit that may become a key sentence: its cleaned text, page, and whether it ends like a sentence.</summary>
internal sealed record KeySentenceCandidate(string Text, int Page, bool IsComplete);

/// <summary>
/// The units of a document that may be key sentences. Page furniture (page numbers, running heads and feet, lines
/// repeated on many pages, "Congressional Research Service", report numbers, table-of-contents lines) and footnote
/// blocks are blanked before segmentation; headings, table cells and other fragments, reference lines, and units
/// holding a URL are dropped after it.
/// </summary>
internal static partial class KeySentenceCandidates
{
    public const int MinWords = 6;
    public const int MaxWords = 60;

    public static List<KeySentenceCandidate> From(IReadOnlyList<ParsedPage> pages)
    {
        var running = RunningLines(pages);
        var candidates = new List<KeySentenceCandidate>();
        foreach (var page in pages)
        {
            var body = Body(page.Text, running);
            foreach (var segment in SentenceSegmenter.Segment(body))
            {
                if (segment.Kind is SegmentKind.Heading or SegmentKind.Fragment || IsReference(segment.Text) || Url().IsMatch(segment.Text))
                {
                    continue;
                }
                var text = FootnoteMarker().Replace(segment.Text, "");
                var words = Word().Count(text);
                if (words is >= MinWords and <= MaxWords)
                {
                    candidates.Add(new KeySentenceCandidate(text, page.Number, segment.IsComplete));
                }
            }
        }
        return candidates;
    }

    /// <summary>The page text with furniture lines and footnote blocks emptied (line breaks kept, so blocks end there).</summary>
    internal static string Body(string text, HashSet<string> running)
    {
        var lines = text.Split('\n');
        var inFootnotes = false;
        var previous = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var before = previous;
            previous = line;
            if (line.Length == 0)
            {
                inFootnotes = false;
                continue;
            }
            // A footnote block runs on through the next note and through lines that continue an unfinished one.
            if (inFootnotes && (FootnoteNumber().IsMatch(line) || !SentenceEnd().IsMatch(before) || char.IsLower(line[0]) || line.StartsWith("http", StringComparison.Ordinal)))
            {
                lines[i] = "";
                continue;
            }
            inFootnotes = false;
            if (ClosingSection().IsMatch(line))
            {
                // The author, disclaimer and reference sections close a report: nothing after them on the page is its content.
                for (var k = i; k < lines.Length; k++)
                {
                    lines[k] = "";
                }
                break;
            }
            var next = i + 1 < lines.Length ? lines[i + 1] : "";
            if (IsFootnoteStart(line, next))
            {
                inFootnotes = true;
                lines[i] = "";
            }
            else if (running.Contains(Normalize(line)) || IsFurniture(line))
            {
                lines[i] = "";
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>A footnote: a note number (or superscript digits) opening a line that reads like a citation.</summary>
    internal static bool IsFootnoteStart(string line, string next) =>
        Superscript().IsMatch(line) || FootnoteNumber().IsMatch(line) && (Citation().IsMatch(line) || Citation().IsMatch(next));

    internal static bool IsFurniture(string line) =>
        PageNumber().IsMatch(line) || Furniture().IsMatch(line) || TableOfContents().IsMatch(line) || MostlyUrl(line);

    internal static bool IsReference(string text) => ReferenceOpening().IsMatch(text) || FootnoteNumber().IsMatch(text) && Citation().IsMatch(text);

    private static bool MostlyUrl(string line)
    {
        var urls = Url().Matches(line).Sum(m => m.Length);
        return urls > 0 && urls >= line.Length * 0.5;
    }

    /// <summary>Lines repeated on many pages (running headers and footers, page numbers normalized away).</summary>
    internal static HashSet<string> RunningLines(IReadOnlyList<ParsedPage> pages)
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

    private static string Normalize(string line) => Whitespace().Replace(Digits().Replace(line.Trim(), "#"), " ");

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[\p{L}\p{N}]{2,}", RegexOptions.CultureInvariant)]
    internal static partial Regex Word();

    [GeneratedRegex(@"https?://|www\.[a-z0-9-]+\.|\b[a-z0-9-]+\.(?:gov|com|org|mil|net|edu|go\.kr|or\.kr|re\.kr)(?:/|\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    // "1 United Nations …", "12 “Title,” …", "3United …": a note number and a capital or an opening quote.
    [GeneratedRegex(@"^\d{1,3}(?:\s?[\p{Lu}“""‘§]|\s\d{1,3}\s\p{Lu})", RegexOptions.CultureInvariant)]
    private static partial Regex FootnoteNumber();

    [GeneratedRegex(@"^[\u00B9\u00B2\u00B3\u2070-\u2079]+\s?\S", RegexOptions.CultureInvariant)]
    private static partial Regex Superscript();

    [GeneratedRegex(@"https?://|www\.|“|""|\bet al\.|\bIbid\b|\bId\.|\bSee\b|\bCRS (?:Report|Insight|In Focus)|\bvol\.|\bpp?\.\s?\d|\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}|\(\d{4}\)|\baccessed\b|\bavailable at\b|\bP\.L\.|U\.S\.C\.|C\.F\.R\.|§|\bStat\.|\bFed\. Reg\.", RegexOptions.CultureInvariant)]
    private static partial Regex Citation();

    [GeneratedRegex(@"^(?:(?:See|Source|Sources|Note|Notes|Ibid|Retrieved|Accessed|Available at|출처)\b|Id\.|Cf\.|자료\s?:|주\s?:|참고\s?:|\(출처)", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceOpening();

    [GeneratedRegex(@"^(?:[-–—]\s*)?(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*[-–—])?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PageNumber();

    [GeneratedRegex(@"^(?:Congressional Research Service(?:\s+[^a-z]*)?|CRS[-–]\s?\d+|www\.crs\.gov|crsreports\.congress\.gov|[A-Z]{1,3}\d{4,6}(?:\s*·.*)?|CRS Report for Congress|Prepared for Members and Committees of Congress|Order Code \S+|- \d+ -)$", RegexOptions.CultureInvariant)]
    private static partial Regex Furniture();

    [GeneratedRegex(@"^(?:Disclaimer|Author Information|Author Contact Information|Acknowledg(?:e)?ments|References|Bibliography|Endnotes|참고\s?문헌)$", RegexOptions.CultureInvariant)]
    private static partial Regex ClosingSection();

    [GeneratedRegex(@"(?:\.\s?){5,}\s*\d*\s*$|…{3,}\s*\d*\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex TableOfContents();

    [GeneratedRegex(@"[.?!。][”""’')\]]*\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceEnd();

    // A footnote number glued to the word or punctuation it annotates: "each day.1 As", "law,2 but", "mines10 have".
    [GeneratedRegex(@"(?<=[a-z](?:[.,;:)”""’]{1,2})?)\d{1,3}(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex FootnoteMarker();
}
