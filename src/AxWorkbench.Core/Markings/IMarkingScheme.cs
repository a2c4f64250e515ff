using System.Diagnostics.CodeAnalysis;

namespace AxWorkbench.Core.Markings;

/// <summary>Parses and formats markings in one national convention (US or ROK).</summary>
public interface IMarkingScheme
{
    MarkingSchemeKind Kind { get; }

    /// <summary>The levels this scheme uses, ascending.</summary>
    IReadOnlyList<ClassificationLevel> Levels { get; }

    /// <summary>Parses a banner line such as "TOP SECRET//SI//NOFORN"; throws <see cref="MarkingFormatException"/>.</summary>
    Marking ParseBanner(string text);

    /// <summary>Parses a portion mark such as "(S//NF)"; throws <see cref="MarkingFormatException"/>.</summary>
    Marking ParsePortion(string text);

    /// <summary>Accepts banner or portion form (a leading '(' means portion); false and null when invalid, never Unclassified.</summary>
    bool TryParse(string text, [MaybeNullWhen(false)] out Marking marking);

    /// <summary>The canonical banner line, e.g. "TOP SECRET//SI//NOFORN".</summary>
    string FormatBanner(Marking marking);

    /// <summary>The canonical portion mark, e.g. "(TS//SI//NF)".</summary>
    string FormatPortion(Marking marking);

    /// <summary>The display name of a level in this scheme, e.g. "SECRET" or "Ⅱ급비밀".</summary>
    string LevelName(ClassificationLevel level);

    /// <summary>Banner colours for the marking.</summary>
    BannerColors Colors(Marking marking);
}

/// <summary>CSS hex colours for a banner, e.g. ("#C8102E", "#FFFFFF").</summary>
public readonly record struct BannerColors(string Background, string Foreground);
