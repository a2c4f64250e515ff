using System.Text;

namespace AxWorkbench.Core.Documents.Text;

/// <summary>What a segment of text is.</summary>
public enum SegmentKind
{
    /// <summary>A sentence of running text.</summary>
    Sentence,

    /// <summary>A bullet or numbered line (•, -, ○, □, ㅇ, ①, "1.", "가.", "(1)"), or a sentence inside one; the marker is not part of the text.</summary>
    ListItem,

    /// <summary>A heading: a markdown heading, a statute article or chapter line, or a short title line between paragraphs.</summary>
    Heading,

    /// <summary>Text that does not end like a sentence: table cells, labels, captions.</summary>
    Fragment,
}

/// <summary>
/// One unit of text. <see cref="Text"/> has its line breaks and runs of spaces collapsed (and, for a list item, its
/// marker removed); <see cref="Start"/> and <see cref="Length"/> span the unit in the segmented text.
/// <see cref="IsComplete"/> says whether it ends like a sentence: a full stop, question or exclamation mark, or a
/// Korean predicate ending (…다, …요, …음, …함, …임, …됨, …것) with or without a full stop.
/// </summary>
public sealed record TextSegment(string Text, int Start, int Length, SegmentKind Kind, bool IsComplete);

/// <summary>
/// Rule-based sentence segmentation for English and Korean documents. Lines are first grouped into blocks (a PDF
/// wraps a sentence over lines; a bullet, a numbered line, a heading, a blank line or a line ending in Korean
/// …다/…요 starts a new block), then each block is cut at sentence ends. A full stop ends a sentence only when
/// whitespace follows it and it does not close an abbreviation (U.S., U.N., Dr., No., Sec., e.g., Jan. …), an
/// initial, a number or a date (7.5억원, $1.2 billion, "2026. 11. 30.", "Nov. 30"); closing quotes, brackets and a
/// footnote number ("day.1 As") stay with the sentence they follow.
/// </summary>
public static class SentenceSegmenter
{
    /// <summary>The sentences (and other units) of a text, in order.</summary>
    public static IReadOnlyList<TextSegment> Segment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = new List<TextSegment>();
        foreach (var block in LineBlocks.Group(text))
        {
            SplitBlock(text, block, segments);
        }
        return segments;
    }

    /// <summary>The texts of <see cref="Segment"/>.</summary>
    public static IReadOnlyList<string> Split(string text) => Segment(text).Select(s => s.Text).ToList();

    private static void SplitBlock(string source, LineBlock block, List<TextSegment> segments)
    {
        // The block's lines flow into one string; map[i] is the offset in the source of flowing[i].
        var flowing = new StringBuilder();
        var map = new List<int>();
        foreach (var (start, length) in block.Lines)
        {
            var line = source.AsSpan(start, length);
            var lead = 0;
            while (lead < line.Length && char.IsWhiteSpace(line[lead]))
            {
                lead++;
            }
            var end = line.Length;
            while (end > lead && char.IsWhiteSpace(line[end - 1]))
            {
                end--;
            }
            if (end <= lead)
            {
                continue;
            }
            // A word or number broken at a hyphen joins the next line without a space ("Re-\nrouting", "66-\n261").
            var joinTight = flowing.Length > 1 && flowing[^1] == '-'
                && (char.IsLetter(flowing[^2]) && char.IsLower(line[lead]) || char.IsAsciiDigit(flowing[^2]) && char.IsAsciiDigit(line[lead]));
            if (flowing.Length > 0 && !joinTight)
            {
                flowing.Append(' ');
                map.Add(start + lead - 1);
            }
            for (var i = lead; i < end; i++)
            {
                var c = line[i];
                if (char.IsWhiteSpace(c))
                {
                    if (flowing.Length > 0 && flowing[^1] == ' ')
                    {
                        continue;
                    }
                    c = ' ';
                }
                flowing.Append(c);
                map.Add(start + i);
            }
        }
        var s = flowing.ToString();
        var from = block.MarkerLength;
        while (from < s.Length && s[from] == ' ')
        {
            from++;
        }
        if (block.Kind == SegmentKind.Heading)
        {
            Add(s, map, from, s.Length, block.Kind, segments);
            return;
        }
        var position = from;
        while (position < s.Length)
        {
            var end = Boundaries.NextEnd(s, position);
            Add(s, map, position, end, block.Kind, segments);
            position = end;
            while (position < s.Length && s[position] == ' ')
            {
                position++;
            }
        }
    }

    private static void Add(string s, List<int> map, int from, int to, SegmentKind blockKind, List<TextSegment> segments)
    {
        while (to > from && s[to - 1] == ' ')
        {
            to--;
        }
        if (to <= from)
        {
            return;
        }
        var text = s[from..to];
        var complete = Boundaries.EndsLikeSentence(text);
        var kind = blockKind switch
        {
            SegmentKind.Heading => SegmentKind.Heading,
            SegmentKind.ListItem => SegmentKind.ListItem,
            _ => complete ? SegmentKind.Sentence : SegmentKind.Fragment,
        };
        var start = map[from];
        segments.Add(new TextSegment(text, start, map[to - 1] + 1 - start, kind, complete));
    }
}
