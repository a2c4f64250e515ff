using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Markings;

/// <summary>
/// The grammar both schemes share: LEVEL[//CONTROL[/CONTROL...]]..., portions in parentheses.
/// Schemes differ in level names, in which country leads a REL TO list, and in REL TO defaults.
/// </summary>
internal abstract partial class MarkingScheme : IMarkingScheme
{
    private static readonly BannerColors _green = new("#007A33", "#FFFFFF");
    private static readonly BannerColors _purple = new("#502B85", "#FFFFFF");
    private static readonly BannerColors _blue = new("#0033A0", "#FFFFFF");
    private static readonly BannerColors _red = new("#C8102E", "#FFFFFF");
    private static readonly BannerColors _orange = new("#FF8C00", "#000000");
    private static readonly BannerColors _yellow = new("#FCE83A", "#000000");

    public abstract MarkingSchemeKind Kind { get; }

    public IReadOnlyList<ClassificationLevel> Levels { get; } = Enum.GetValues<ClassificationLevel>();

    /// <summary>The country listed first in REL TO (the originator), and added when missing in the US scheme.</summary>
    protected abstract string HomeCountry { get; }

    public abstract string LevelName(ClassificationLevel level);

    protected abstract string PortionLevelName(ClassificationLevel level);

    /// <summary>The level for the (NFKC-normalized, trimmed) level text, or a reason it is not one.</summary>
    protected abstract (ClassificationLevel? Level, string? Reason) ParseLevel(string text);

    /// <summary>Adjusts a parsed REL TO list, e.g. adds the originating country.</summary>
    protected virtual IEnumerable<string> CompleteRelTo(IReadOnlyCollection<string> countries) => countries;

    public Marking ParseBanner(string text) => Parse(text, portion: false);

    public Marking ParsePortion(string text) => Parse(text, portion: true);

    public bool TryParse(string text, [MaybeNullWhen(false)] out Marking marking)
    {
        marking = null;
        if (text is null)
        {
            return false;
        }

        try
        {
            var portion = text.Normalize(NormalizationForm.FormKC).TrimStart().StartsWith('(');
            marking = Parse(text, portion);
            return true;
        }
        catch (MarkingFormatException)
        {
            return false;
        }
    }

    public string FormatBanner(Marking marking) => Format(marking, portion: false);

    public string FormatPortion(Marking marking) => "(" + Format(marking, portion: true) + ")";

    public BannerColors Colors(Marking marking)
    {
        ArgumentNullException.ThrowIfNull(marking);
        return marking.Level switch
        {
            ClassificationLevel.Unclassified => _green,
            ClassificationLevel.Controlled => _purple,
            ClassificationLevel.Confidential => _blue,
            ClassificationLevel.Secret => _red,
            _ => marking.IsSci ? _yellow : _orange,
        };
    }

    private Marking Parse(string text, bool portion)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Normalize(NormalizationForm.FormKC).Trim();
        if (s.Length == 0)
        {
            throw Fail(text, "it is empty");
        }

        var opening = s.Count(c => c == '(');
        if (opening != s.Count(c => c == ')'))
        {
            throw Fail(text, "unbalanced parentheses");
        }

        if (portion)
        {
            if (!s.StartsWith('(') || !s.EndsWith(')'))
            {
                throw Fail(text, $"a portion mark is enclosed in parentheses, e.g. {FormatPortion(new Marking(ClassificationLevel.Secret))}");
            }

            if (opening != 1)
            {
                throw Fail(text, "nested or repeated parentheses");
            }

            s = s[1..^1].Trim();
            if (s.Length == 0)
            {
                throw Fail(text, "the parentheses are empty");
            }
        }
        else if (opening > 0)
        {
            throw Fail(text, "a banner line has no parentheses (parse portion marks as portions)");
        }

        var segments = s.Split("//");
        var levelText = segments[0].Trim();
        if (levelText.Length == 0)
        {
            throw Fail(text, "no classification level before '//'");
        }

        var (level, levelReason) = ParseLevel(levelText);
        if (level is not { } parsedLevel)
        {
            throw Fail(text, levelText.Contains('/')
                ? $"'{levelText}' is not a {Kind} classification level (separate controls from the level with '//')"
                : levelReason ?? $"'{levelText}' is not a {Kind} classification level");
        }

        List<string> caveats = [];
        List<string>? relTo = null;
        foreach (var token in segments.Skip(1).SelectMany(segment => segment.Split('/')).Select(t => t.Trim()))
        {
            if (token.Length == 0)
            {
                throw Fail(text, "an empty control marking ('//' or '/' with nothing after it)");
            }

            var relToMatch = RelToPattern().Match(token);
            if (relToMatch.Success)
            {
                if (relTo is not null)
                {
                    throw Fail(text, "REL TO appears twice");
                }

                relTo = [.. CompleteRelTo(ParseCountries(text, relToMatch.Groups["list"].Value))];
                continue;
            }

            var caveat = ControlMarkings.TryCanonicalize(token);
            if (caveat is null || !ControlMarkings.IsKnown(caveat))
            {
                throw Fail(text, $"unknown control marking '{token}'");
            }

            caveats.Add(caveat);
        }

        if (Validate(parsedLevel, caveats, relTo) is { } reason)
        {
            throw Fail(text, reason);
        }

        return new Marking(parsedLevel, caveats, relTo);
    }

    private List<string> ParseCountries(string text, string list)
    {
        if (list.Trim().Length == 0)
        {
            throw Fail(text, "REL TO without countries");
        }

        List<string> countries = [];
        foreach (var entry in list.Split(',').Select(c => c.Trim().ToUpperInvariant()))
        {
            if (!CountryPattern().IsMatch(entry))
            {
                throw Fail(text, entry.Length == 0
                    ? "an empty entry in the REL TO list"
                    : $"'{entry}' in the REL TO list is not a country code (3 or 4 letters, e.g. USA, KOR, FVEY)");
            }

            countries.Add(entry);
        }

        return countries;
    }

    /// <summary>Combination rules shared by both schemes; null when valid.</summary>
    private string? Validate(ClassificationLevel level, List<string> caveats, List<string>? relTo)
    {
        if (level == ClassificationLevel.Unclassified)
        {
            if (caveats.FirstOrDefault(c => c != ControlMarkings.Fouo) is { } misplaced)
            {
                return $"{misplaced} is not used on {LevelName(level)}";
            }

            if (relTo is not null)
            {
                return $"REL TO is not used on {LevelName(level)}";
            }
        }

        if (level >= ClassificationLevel.Confidential && caveats.Contains(ControlMarkings.Fouo))
        {
            return $"FOUO is used only with {LevelName(ClassificationLevel.Unclassified)} or {LevelName(ClassificationLevel.Controlled)}";
        }

        if (level < ClassificationLevel.Confidential
            && caveats.FirstOrDefault(c => ControlMarkings.IsSci(c) || c == ControlMarkings.Orcon) is { } classifiedOnly)
        {
            return $"{classifiedOnly} requires {LevelName(ClassificationLevel.Confidential)} or above";
        }

        return caveats.Contains(ControlMarkings.NoForn) && relTo is not null ? "NOFORN contradicts REL TO" : null;
    }

    private string Format(Marking marking, bool portion)
    {
        ArgumentNullException.ThrowIfNull(marking);
        List<string> segments = [portion ? PortionLevelName(marking.Level) : LevelName(marking.Level)];
        var sci = marking.Caveats.Where(ControlMarkings.IsSci).Order(StringComparer.Ordinal).ToList();
        if (sci.Count > 0)
        {
            segments.Add(string.Join('/', sci));
        }

        // REL TO sits between PROPIN and RELIDO; an empty list next to NOFORN adds nothing NOFORN does not say.
        var showRelTo = marking.RelTo is not null && !(marking.RelTo.Count == 0 && marking.Caveats.Contains(ControlMarkings.NoForn));
        List<string> controls = [];
        foreach (var control in ControlMarkings.DisseminationControls)
        {
            if (control == ControlMarkings.Relido && showRelTo)
            {
                controls.Add(FormatRelTo(marking.RelTo!, portion));
            }

            if (marking.Caveats.Contains(control))
            {
                controls.Add(portion ? ControlMarkings.PortionForm(control) : control);
            }
        }

        controls.AddRange(marking.Caveats.Where(c => !ControlMarkings.IsKnown(c)).Order(StringComparer.Ordinal));
        if (controls.Count > 0)
        {
            segments.Add(string.Join('/', controls));
        }

        return string.Join("//", segments);
    }

    /// <summary>"REL TO USA, GBR, KOR": home country first, then trigraphs, then tetragraphs, each alphabetical.
    /// An empty list (disjoint lists joined: releasable to no one) cannot be written in the grammar and shows as NOFORN.</summary>
    private string FormatRelTo(IReadOnlySet<string> countries, bool portion)
    {
        if (countries.Count == 0)
        {
            return portion ? ControlMarkings.PortionForm(ControlMarkings.NoForn) : ControlMarkings.NoForn;
        }

        var ordered = countries
            .OrderBy(c => c == HomeCountry ? 0 : 1)
            .ThenBy(c => c.Length)
            .ThenBy(c => c, StringComparer.Ordinal);
        return "REL TO " + string.Join(", ", ordered);
    }

    private MarkingFormatException Fail(string text, string reason) => new(text, $"{reason} ({Kind} scheme)");

    [GeneratedRegex(@"^REL\s+TO(?<list>(\s.*)?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelToPattern();

    [GeneratedRegex("^[A-Z]{3,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex CountryPattern();
}
