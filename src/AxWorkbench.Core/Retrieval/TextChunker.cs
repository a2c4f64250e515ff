using System.Text.RegularExpressions;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Retrieval;

/// <summary>A chunk before it has an id: page, character span of the page text, the text and its marking.</summary>
public sealed record TextChunk(int Page, int Start, int Length, string Text, Marking Marking, string Language);

/// <summary>
/// Structure-aware chunking: a heading (markdown '#', numbered section, Korean statute article "제N조",
/// chapter "제N장") always starts a new chunk; paragraphs are packed up to <c>maxWords</c>; a paragraph longer
/// than that is cut into windows of <c>maxWords</c> with <c>overlapWords</c> of overlap; a chunk that closes
/// because it is full hands its last paragraph (when short) to the next one as overlap. Words stand in for
/// tokens (MiniLM reads about 256 word pieces; ~200 words stay under that). Each chunk's marking is the join of
/// the portion markings it overlaps, and of the document marking wherever its text is not portion-marked.
/// </summary>
public sealed partial class TextChunker(int maxWords = 200, int overlapWords = 40)
{
    public int MaxWords { get; } = maxWords > 0 ? maxWords : throw new ArgumentOutOfRangeException(nameof(maxWords), "Retrieval:ChunkWords must be positive.");

    public int OverlapWords { get; } = overlapWords >= 0 && overlapWords < maxWords ? overlapWords
        : throw new ArgumentOutOfRangeException(nameof(overlapWords), "Retrieval:OverlapWords must be at least 0 and less than Retrieval:ChunkWords.");

    public IReadOnlyList<TextChunk> Chunk(IndexedDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var chunks = new List<TextChunk>();
        foreach (var page in document.Pages)
        {
            foreach (var (start, end) in Spans(page.Text))
            {
                var text = page.Text[start..end];
                chunks.Add(new TextChunk(page.Number, start, end - start, text, MarkingOf(page, start, end, document.Marking), TextLanguage.Detect(text)));
            }
        }

        return chunks;
    }

    private sealed record Block(int Start, int End, int Words, bool IsHeading);

    /// <summary>The chunk spans of one page's text.</summary>
    internal IEnumerable<(int Start, int End)> Spans(string text)
    {
        var blocks = Blocks(text);
        var current = new List<Block>();
        var words = 0;
        foreach (var block in blocks)
        {
            if (block.IsHeading && current.Count > 0)
            {
                yield return (current[0].Start, current[^1].End);
                current.Clear();
                words = 0;
            }

            if (block.Words > MaxWords)
            {
                if (current.Count > 0)
                {
                    yield return (current[0].Start, current[^1].End);
                    current.Clear();
                    words = 0;
                }

                foreach (var window in Windows(text, block))
                {
                    yield return window;
                }

                continue;
            }

            if (words + block.Words > MaxWords && current.Count > 0)
            {
                yield return (current[0].Start, current[^1].End);
                var carry = current[^1];
                current.Clear();
                words = 0;
                if (!carry.IsHeading && carry.Words <= OverlapWords && carry.Words + block.Words <= MaxWords)
                {
                    current.Add(carry);
                    words = carry.Words;
                }
            }

            current.Add(block);
            words += block.Words;
        }

        if (current.Count > 0)
        {
            yield return (current[0].Start, current[^1].End);
        }
    }

    /// <summary>Windows of MaxWords words, each starting OverlapWords before the previous one's end.</summary>
    private IEnumerable<(int Start, int End)> Windows(string text, Block block)
    {
        var words = Word().Matches(text[block.Start..block.End]).Select(m => (Start: block.Start + m.Index, End: block.Start + m.Index + m.Length)).ToList();
        var step = MaxWords - OverlapWords;
        for (var first = 0; first < words.Count; first += step)
        {
            var last = Math.Min(first + MaxWords, words.Count) - 1;
            yield return (words[first].Start, words[last].End);
            if (last == words.Count - 1)
            {
                yield break;
            }
        }
    }

    private static List<Block> Blocks(string text)
    {
        var blocks = new List<Block>();
        var paragraphStart = -1;
        var paragraphEnd = -1;
        var index = 0;
        void Close()
        {
            if (paragraphStart >= 0)
            {
                blocks.Add(new Block(paragraphStart, paragraphEnd, CountWords(text.AsSpan(paragraphStart, paragraphEnd - paragraphStart)), false));
                paragraphStart = -1;
            }
        }

        foreach (var line in text.Split('\n'))
        {
            var lineStart = index;
            index += line.Length + 1;
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                Close();
                continue;
            }

            var start = lineStart + line.IndexOf(trimmed[0], StringComparison.Ordinal);
            var end = start + trimmed.Length;
            if (IsHeading(trimmed))
            {
                Close();
                blocks.Add(new Block(start, end, CountWords(trimmed), true));
                continue;
            }

            if (paragraphStart < 0)
            {
                paragraphStart = start;
            }

            paragraphEnd = end;
        }

        Close();
        return blocks;
    }

    internal static bool IsHeading(string line) =>
        line.Length <= 120 && (line.StartsWith('#') || Article().IsMatch(line) || NumberedHeading().IsMatch(line));

    private static int CountWords(ReadOnlySpan<char> text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var space = char.IsWhiteSpace(c);
            if (!space && !inWord)
            {
                count++;
            }

            inWord = !space;
        }

        return count;
    }

    private static Marking MarkingOf(DocumentPage page, int start, int end, Marking documentMarking)
    {
        if (page.Portions is not { Count: > 0 } portions)
        {
            return documentMarking;
        }

        var covered = new bool[end - start];
        var markings = new List<Marking>();
        foreach (var portion in portions)
        {
            var from = Math.Max(start, portion.Start);
            var to = Math.Min(end, portion.Start + portion.Length);
            if (from < to)
            {
                markings.Add(portion.Marking);
                Array.Fill(covered, true, from - start, to - from);
            }
        }

        for (var i = 0; i < covered.Length; i++)
        {
            if (!covered[i] && !char.IsWhiteSpace(page.Text[start + i]))
            {
                markings.Add(documentMarking);
                break;
            }
        }

        return Marking.Join(markings);
    }

    [GeneratedRegex(@"^(#+\s|제\s*\d+\s*(조|장|절|관)(의\s*\d+)?(\s|\(|$))", RegexOptions.CultureInvariant)]
    private static partial Regex Article();

    [GeneratedRegex(@"^(\d+(\.\d+)*\.?|[IVX]+\.|Chapter\s+\d+|Section\s+\d+)\s+\p{Lu}[^.!?]{0,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberedHeading();

    [GeneratedRegex(@"\S+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
