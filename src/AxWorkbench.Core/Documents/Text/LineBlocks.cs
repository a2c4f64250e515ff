using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Documents.Text;

/// <summary>Lines that flow together; <see cref="Kind"/> is Sentence for running text; the marker opens the first line.</summary>
internal sealed record LineBlock(List<(int Start, int Length)> Lines, SegmentKind Kind, int MarkerLength);

/// <summary>
/// Groups the lines of a text into blocks. A PDF wraps one sentence over several lines, so lines join by default;
/// a blank line, a bullet or numbered line, a heading (markdown, statute article, or a short title line after a
/// finished paragraph), and a line ending in a Korean predicate ending (…다, …요, …함, …음) end the block.
/// </summary>
internal static partial class LineBlocks
{
    public static List<LineBlock> Group(string text)
    {
        var lines = new List<(int Start, int Length)>();
        var position = 0;
        while (position <= text.Length)
        {
            var end = text.IndexOf('\n', position);
            if (end < 0)
            {
                end = text.Length;
            }
            lines.Add((position, end - position));
            position = end + 1;
        }

        var blocks = new List<LineBlock>();
        LineBlock? current = null;
        string? previous = null;
        for (var index = 0; index < lines.Count; index++)
        {
            var line = lines[index];
            var trimmed = text.AsSpan(line.Start, line.Length).Trim().ToString();
            if (trimmed.Length == 0)
            {
                current = null;
                previous = null;
                continue;
            }
            var next = NextNonBlank(text, lines, index);
            var marker = MarkerLength(trimmed);
            var heading = marker == 0 ? HeadingMarker(trimmed, current is null || EndsParagraph(previous), next) : -1;
            if (heading >= 0)
            {
                blocks.Add(new LineBlock([line], SegmentKind.Heading, heading));
                current = null;
                previous = null;
                continue;
            }
            if (marker > 0 || current is null)
            {
                current = new LineBlock([line], marker > 0 ? SegmentKind.ListItem : SegmentKind.Sentence, marker);
                blocks.Add(current);
            }
            else
            {
                current.Lines.Add(line);
            }
            previous = trimmed;
            if (Boundaries.EndsWithKoreanFinal(trimmed))
            {
                current = null;
                previous = null;
            }
        }
        return blocks;
    }

    /// <summary>The length of a bullet or numbering marker (with the spaces after it) at the start of a trimmed line, or 0.</summary>
    public static int MarkerLength(string line)
    {
        var bold = BoldMarker().Match(line);
        if (bold.Success && MarkerLength(bold.Groups["inner"].Value + " ") > 0)
        {
            return bold.Length;
        }
        var first = line[0];
        if (IsEnclosedNumber(first))
        {
            return SkipSpaces(line, 1);
        }
        if (first is '•' or '·' or '∙' or '◦' or '○' or '●' or '◎' or '□' or '■' or '▪' or '▫' or '◆' or '◇' or '▶' or '▷' or '►' or '‣' or '⁃' or '※' or '➢' or '✓' or '√')
        {
            return SkipSpaces(line, 1);
        }
        if (first is '-' or '–' or '*' or '+' or 'ㅇ' or 'o' or '◼' && line.Length > 1 && line[1] == ' ')
        {
            return SkipSpaces(line, 1);
        }
        var numbered = Numbered().Match(line);
        return numbered.Success ? numbered.Length : 0;
    }

    /// <summary>Whether the line before ended a paragraph or sentence (so a short title line after it is a heading).</summary>
    private static bool EndsParagraph(string? previous) => previous is null || ParagraphEnd().IsMatch(previous);

    /// <summary>The marker length of a heading line (0 without one), or -1 when the line is not a heading.</summary>
    private static int HeadingMarker(string line, bool afterParagraph, string? next)
    {
        if (line[0] == '#')
        {
            var hashes = 0;
            while (hashes < line.Length && line[hashes] == '#')
            {
                hashes++;
            }
            if (hashes <= 6 && (hashes == line.Length || line[hashes] == ' '))
            {
                return SkipSpaces(line, hashes);
            }
        }
        if (StatuteHeading().IsMatch(line) && !Boundaries.EndsLikeSentence(line) && line.Length <= 60)
        {
            return 0;
        }
        // A title line is short beside the text under it; a wrapped line of running text is about as long as the next.
        if (!afterParagraph || next is null || line.Length > 60 || line.Length >= next.Length * 0.6 || Boundaries.IsTerminator(line[^1]) || line[^1] is ',' or ';' or ':' or '-')
        {
            return -1;
        }
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > 10 || !char.IsUpper(line[0]) || !(char.IsUpper(next[0]) || char.IsAsciiDigit(next[0]) || next[0] is '"' or '“'))
        {
            return -1;
        }
        var content = words.Where(w => !SmallWords.Contains(w)).ToList();
        var capitalized = content.Count(w => char.IsUpper(w[0]) || char.IsAsciiDigit(w[0]));
        return content.Count > 0 && capitalized >= content.Count * 0.75 ? 0 : -1;
    }

    private static readonly HashSet<string> SmallWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "by", "with", "from", "as", "vs.", "via", "into", "over", "under",
    };

    private static string? NextNonBlank(string text, List<(int Start, int Length)> lines, int index)
    {
        for (var k = index + 1; k < lines.Count; k++)
        {
            var candidate = text.AsSpan(lines[k].Start, lines[k].Length).Trim();
            if (candidate.Length > 0)
            {
                return candidate.ToString();
            }
        }
        return null;
    }

    private static bool IsEnclosedNumber(char c) =>
        c is >= '\u2460' and <= '\u24B5' // ①–⑳, ⑴–⒇, ⒈–⒛, ⒜–⒵
        || c is >= '\u24D0' and <= '\u24E9' // ⓐ–ⓩ
        || c is >= '\u3200' and <= '\u321C' // ㈀–㈜
        || c is >= '\u3260' and <= '\u327B' // ㉠–㉻
        || c is >= '\u2776' and <= '\u2793'; // ❶–❿, ➀–➓

    private static int SkipSpaces(string line, int from)
    {
        while (from < line.Length && char.IsWhiteSpace(line[from]))
        {
            from++;
        }
        return from;
    }

    [GeneratedRegex(@"^\*\*(?<inner>[^*\s]{1,4})\*\*\s*", RegexOptions.CultureInvariant)]
    private static partial Regex BoldMarker();

    // "1. ", "4의2. ", "12) ", "(3) ", "가. ", "나) ", "(다) ", "a) ", "(b) ", "(iv) " at the start of a line.
    [GeneratedRegex(@"^(?:\d{1,2}(?:의\d{1,2})?[.)]\s+|\(\d{1,3}\)\s*|[가나다라마바사아자차카타파하][.)]\s+|\([가나다라마바사아자차카타파하]\)\s*|\(?[a-z]\)\s+|\([ivx]{1,4}\)\s+)", RegexOptions.CultureInvariant)]
    private static partial Regex Numbered();

    // 제1조, 제2조의2, 제1장, 제3절 … followed by a title, as a line of its own.
    [GeneratedRegex(@"^제\s?\d+(?:조의\d+|조|장|절|관|편)\b", RegexOptions.CultureInvariant)]
    private static partial Regex StatuteHeading();

    [GeneratedRegex(@"[.?!:。][”""’')\]]*\d{0,3}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ParagraphEnd();
}
