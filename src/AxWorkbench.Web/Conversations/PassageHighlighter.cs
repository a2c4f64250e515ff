using System.Text.RegularExpressions;

namespace AxWorkbench.Web.Conversations;

/// <summary>
/// Finds a cited passage in a page's text for the reader's highlight: exactly, or word by word across any whitespace
/// (chunk text and quotes may differ from the page in line breaks and spacing); the last word may be cut short.
/// </summary>
public static class PassageHighlighter
{
    public static (int Start, int Length)? Find(string pageText, string? passage)
    {
        ArgumentNullException.ThrowIfNull(pageText);
        if (string.IsNullOrWhiteSpace(passage))
        {
            return null;
        }

        var exact = pageText.IndexOf(passage, StringComparison.Ordinal);
        if (exact >= 0)
        {
            return (exact, passage.Length);
        }

        var words = passage.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var pattern = string.Join(@"\s+", words.Select(Regex.Escape));
        var match = Regex.Match(pageText, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        return match.Success ? (match.Index, match.Length) : null;
    }

    /// <summary>The part of a paragraph (start, length in the page) inside the highlight, as (before, marked, after) text.</summary>
    public static (string Before, string Marked, string After)? Split(string paragraph, int paragraphStart, (int Start, int Length)? highlight)
    {
        ArgumentNullException.ThrowIfNull(paragraph);
        if (highlight is not { } h)
        {
            return null;
        }

        var from = Math.Max(h.Start, paragraphStart) - paragraphStart;
        var to = Math.Min(h.Start + h.Length, paragraphStart + paragraph.Length) - paragraphStart;
        return from >= to ? null : (paragraph[..from], paragraph[from..to], paragraph[to..]);
    }
}
