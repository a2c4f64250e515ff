using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Documents.Text;

/// <summary>Where a sentence ends inside a block of flowing text (single spaces, no line breaks).</summary>
internal static partial class Boundaries
{
    /// <summary>Titles and references to numbered things: a full stop after them never ends a sentence before a number or a name.</summary>
    private static readonly HashSet<string> Titles = new(StringComparer.Ordinal)
    {
        "mr", "mrs", "ms", "dr", "prof", "sen", "sens", "rep", "reps", "gen", "col", "lt", "maj", "capt", "cmdr", "sgt", "adm",
        "st", "hon", "rev", "messrs", "gov", "pres", "amb", "e.g", "i.e", "cf", "vs", "v", "viz", "approx", "ca", "fn", "nn",
    };

    /// <summary>Abbreviations before a number ("No. 5", "Sec. 1201", "pp. 2-8", "Nov. 30").</summary>
    private static readonly HashSet<string> BeforeNumbers = new(StringComparer.Ordinal)
    {
        "no", "nos", "sec", "secs", "art", "arts", "fig", "figs", "vol", "vols", "p", "pp", "ch", "chap", "para", "paras", "tit", "cl",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "op", "ed", "eds", "rev", "pt", "n",
    };

    /// <summary>Abbreviations that may also end a sentence: they end one only before a typical sentence opener.</summary>
    private static readonly HashSet<string> Ambiguous = new(StringComparer.Ordinal)
    {
        "etc", "al", "inc", "corp", "co", "ltd", "llc", "jr", "sr", "dept", "univ", "assn", "bros", "govt", "admin", "intl", "natl",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "sec", "fig", "vol", "ch", "ed",
    };

    /// <summary>Words that open English sentences; after an ambiguous abbreviation ("…in the U.S. The …") they show a new sentence.</summary>
    private static readonly HashSet<string> Openers = new(StringComparer.Ordinal)
    {
        "The", "This", "That", "These", "Those", "It", "Its", "In", "On", "At", "As", "A", "An", "He", "She", "They", "We", "I", "There",
        "Their", "But", "And", "However", "Moreover", "Also", "For", "If", "When", "While", "After", "Before", "Since", "Although",
        "Some", "Many", "Most", "According", "Other", "Thus", "Such", "Each", "Both", "Nevertheless", "Further", "Furthermore", "To",
        "Under", "Despite", "What", "Why", "How", "Who", "Which", "Our", "His", "Her", "One", "Not", "Yet", "So", "Then", "Because",
        "With", "By", "From", "All", "Any", "Several", "Until", "Instead", "Meanwhile", "Still", "Even", "Only", "Over", "During",
        "Today", "Congress", "Finally", "First", "Second", "Third", "Overall", "Similarly", "Accordingly", "Currently", "Recently",
    };

    /// <summary>Korean predicate endings a sentence (or a bullet written in the nominal style) ends with.</summary>
    private static readonly HashSet<char> KoreanEndings = ['다', '요', '음', '함', '임', '됨', '짐', '것', '까', '죠', '라', '냄', '봄', '옴', '줌', '둠', '씀', '짐'];

    /// <summary>The end (exclusive) of the sentence that starts at <paramref name="start"/>.</summary>
    public static int NextEnd(string s, int start)
    {
        var depth = 0;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '(' or '（')
            {
                depth++;
            }
            else if (c is ')' or '）' && depth > 0)
            {
                depth--;
            }
            // "행정기관(…을 포함한다. 이하 같다)과": a full stop inside brackets that close soon after does not end the sentence.
            if (!IsTerminator(c) || depth > ClosedRightAfter(s, i) && ClosesSoon(s, i))
            {
                continue;
            }
            var j = i + 1;
            while (j < s.Length && IsTerminator(s[j]))
            {
                j++;
            }
            while (j < s.Length && IsCloser(s[j]))
            {
                if (s[j] is ')' or '）' && depth > 0)
                {
                    depth--;
                }
                j++;
            }
            // A footnote number right after the full stop ("…each day.1 As of …") belongs to the sentence it ends.
            var k = j;
            while (k < s.Length && char.IsAsciiDigit(s[k]))
            {
                k++;
            }
            var footnote = k > j && k - j <= 3 && (k == s.Length || s[k] == ' ') && i > start
                && (char.IsLetter(s[i - 1]) || IsCloser(s[i - 1]) || EndsInYear(s, start, i) && k + 1 < s.Length && char.IsUpper(s[k + 1]));
            if (footnote)
            {
                j = k;
            }
            if (j >= s.Length)
            {
                return s.Length;
            }
            if (s[j] == ' ' && IsBoundary(s, start, i, j, footnote))
            {
                return j;
            }
            i = j - 1;
        }
        return s.Length;
    }

    /// <summary>How many brackets the terminators and closers right after <paramref name="i"/> close ("(for days.)").</summary>
    private static int ClosedRightAfter(string s, int i)
    {
        var closed = 0;
        for (var k = i + 1; k < s.Length && (IsTerminator(s[k]) || IsCloser(s[k])); k++)
        {
            closed += s[k] is ')' or '）' ? 1 : 0;
        }
        return closed;
    }

    private static bool ClosesSoon(string s, int i)
    {
        var close = s.IndexOfAny([')', '）'], i);
        return close > 0 && close - i <= 200;
    }

    /// <summary>Whether a unit ends like a sentence: a terminator, or a Korean predicate ending with or without a full stop.</summary>
    public static bool EndsLikeSentence(string text)
    {
        var end = SkipClosers(text, text.Length);
        var k = end;
        while (k > 0 && char.IsAsciiDigit(text[k - 1]))
        {
            k--;
        }
        if (end - k is >= 1 and <= 3 && k > 1 && IsTerminator(text[k - 1]) && (char.IsLetter(text[k - 2]) || IsCloser(text[k - 2])))
        {
            end = k; // a footnote number after the full stop
        }
        if (end == 0)
        {
            return false;
        }
        var last = text[end - 1];
        return IsTerminator(last) || KoreanEndings.Contains(last);
    }

    private static int SkipClosers(string text, int end)
    {
        while (end > 0 && IsCloser(text[end - 1]))
        {
            end--;
        }
        return end;
    }

    /// <summary>Whether a line ends in a Korean predicate ending (…다, …요, …함, …음; full stop optional): the sentence ends with the line.</summary>
    public static bool EndsWithKoreanFinal(ReadOnlySpan<char> line)
    {
        var end = line.Length;
        while (end > 0 && (IsCloser(line[end - 1]) || line[end - 1] is '.' or ' '))
        {
            end--;
        }
        return end > 0 && KoreanEndings.Contains(line[end - 1]);
    }

    /// <summary>"… in 2025.40 The …": the full stop at <paramref name="i"/> follows a year (so digits after it are a footnote number).</summary>
    private static bool EndsInYear(string s, int start, int i) =>
        i - start >= 5 && s[i - 5] == ' ' && (s.AsSpan(i - 4, 2) is "19" or "20") && char.IsAsciiDigit(s[i - 2]) && char.IsAsciiDigit(s[i - 1]);

    public static bool IsTerminator(char c) => c is '.' or '?' or '!' or '。' or '？' or '！' or '…';

    public static bool IsCloser(char c) => c is '”' or '"' or '’' or '\'' or ')' or ']' or '」' or '』' or '》' or '〉' or '>' or '»' or '）';

    private static bool IsBoundary(string s, int start, int i, int j, bool footnote)
    {
        var n = j + 1;
        var nextEnd = s.IndexOf(' ', n);
        var next = s[n..(nextEnd < 0 ? s.Length : nextEnd)].TrimStart('"', '“', '‘', '\'', '(', '[', '「', '『', '《', '〈');
        var nextFirst = next.Length > 0 ? next[0] : ' ';
        var c = s[i];
        if (IsLatinLower(nextFirst))
        {
            return false;
        }
        if (c != '.' || footnote)
        {
            // "…" and "..." end a sentence only before a capital; ?, ! and 。 always do.
            return c != '…' && !(i > start && s[i - 1] == '.') || char.IsUpper(nextFirst);
        }
        if (i > start && s[i - 1] == '.')
        {
            return char.IsUpper(nextFirst);
        }
        var tokenStart = i;
        while (tokenStart > start && s[tokenStart - 1] != ' ')
        {
            tokenStart--;
        }
        var token = s[tokenStart..i].TrimStart('(', '"', '“', '‘', '\'', '[');
        if (token.Length == 0)
        {
            return true;
        }
        var lower = token.ToLowerInvariant();
        var nextIsNumber = char.IsAsciiDigit(nextFirst) || nextFirst is '§' or '$' or '#';
        if (Titles.Contains(lower))
        {
            return false;
        }
        if (BeforeNumbers.Contains(lower) && nextIsNumber)
        {
            return false;
        }
        if (Ambiguous.Contains(lower) || Initialism().IsMatch(token) || token.Length == 1 && char.IsUpper(token[0]))
        {
            return Openers.Contains(next.TrimEnd(',', ';', ':'));
        }
        if (char.IsAsciiDigit(token[^1]))
        {
            // "2026. 11. 30." and "’26년 7. 5" are dates and numbers, not sentence ends; a date ends a sentence only before a capital.
            // A Korean sentence ends in a predicate, not a bare number: "36. 방위산업…" numbers an item.
            if (nextIsNumber || IsHangul(nextFirst) && token.All(char.IsAsciiDigit))
            {
                return false;
            }
            if (DottedDate().IsMatch(s.AsSpan(Math.Max(start, i - 16), i - Math.Max(start, i - 16))))
            {
                return char.IsUpper(nextFirst);
            }
        }
        return true;
    }

    private static bool IsHangul(char c) => c is >= '\uAC00' and <= '\uD7A3';

    private static bool IsLatinLower(char c) => c is >= 'a' and <= 'z' || char.IsLower(c) && c < '\u0250';

    [GeneratedRegex(@"^(?:\p{L}\.)+\p{L}$", RegexOptions.CultureInvariant)]
    private static partial Regex Initialism();

    [GeneratedRegex(@"\d{2,4}\.\s?\d{1,2}\.\s?\d{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DottedDate();
}
