using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Documents;

/// <summary>A marking found in a document's text: a banner line or a leading portion mark.</summary>
public sealed record DetectedMark(int Page, int Paragraph, string Found, Marking Marking, bool IsBanner);

/// <summary>
/// Finds banner lines ("SECRET//NOFORN", "Ⅱ급비밀") and leading portion marks ("(S//NF) ...", "(대외비) ...")
/// per page and paragraph, in both schemes. Conservative against ordinary text: banners must be upper case
/// and alone on their line, and a single-letter portion mark such as "(C)" is not read as a mark where the page
/// enumerates with neighbouring letters ("(B)", "(D)").
/// </summary>
public static partial class MarkingDetector
{
    private static readonly IMarkingScheme[] _schemes = [MarkingSchemes.Us, MarkingSchemes.Rok];

    public static IReadOnlyList<DetectedMark> Detect(IEnumerable<ParsedPage> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var found = new List<DetectedMark>();
        foreach (var page in pages)
        {
            var paragraphs = page.Paragraphs().ToList();
            var letters = paragraphs
                .Select(p => EnumerationLetter().Match(p.Text))
                .Where(m => m.Success)
                .Select(m => m.Groups["l"].Value[0])
                .ToHashSet();
            foreach (var paragraph in paragraphs)
            {
                if (TryBanner(paragraph.Text, out var banner, out var bannerText))
                {
                    found.Add(new DetectedMark(page.Number, paragraph.Index, bannerText, banner, IsBanner: true));
                }
                else if (TryPortion(paragraph.Text, letters, out var portion, out var portionText))
                {
                    found.Add(new DetectedMark(page.Number, paragraph.Index, portionText, portion, IsBanner: false));
                }
            }
        }
        return found;
    }

    /// <summary>The first mark above <paramref name="declared"/>, or null when the text carries nothing higher.</summary>
    public static DetectedMark? FirstAbove(IEnumerable<DetectedMark> marks, Marking declared) =>
        marks.FirstOrDefault(m => !declared.IsAtLeast(m.Marking));

    private static bool TryBanner(string line, out Marking marking, out string text)
    {
        marking = Marking.Unclassified;
        text = line.Trim();
        if (text.Length is < 2 or > 100 || text.StartsWith('(') || text != text.ToUpperInvariant())
        {
            return false;
        }
        var level = text.Split("//")[0].Trim();
        if (level.Length < 2 || (level.All(char.IsAsciiLetter) && level.Length < 3))
        {
            return false;
        }
        return TryParse(text, out marking);
    }

    private static bool TryPortion(string line, HashSet<char> enumerationLetters, out Marking marking, out string text)
    {
        marking = Marking.Unclassified;
        var match = LeadingPortion().Match(line);
        text = match.Value;
        if (!match.Success)
        {
            return false;
        }
        var inner = match.Groups["inner"].Value;
        if (inner.Any(char.IsAsciiLetterLower))
        {
            return false;
        }
        if (inner.Length == 1 && char.IsAsciiLetter(inner[0])
            && (enumerationLetters.Contains((char)(inner[0] - 1)) || enumerationLetters.Contains((char)(inner[0] + 1))))
        {
            return false;
        }
        return TryParse(text, out marking);
    }

    private static bool TryParse(string text, out Marking marking)
    {
        foreach (var scheme in _schemes)
        {
            if (scheme.TryParse(text, out var parsed))
            {
                marking = parsed;
                return true;
            }
        }
        marking = Marking.Unclassified;
        return false;
    }

    [GeneratedRegex(@"^\s*\((?<inner>[^()\n]{1,40})\)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LeadingPortion();

    [GeneratedRegex(@"^\s*\((?<l>[A-Z])\)\s", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EnumerationLetter();
}
