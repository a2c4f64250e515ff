using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Markings;

/// <summary>The caveat vocabulary: canonical names, aliases and which caveats need an authorization.</summary>
public static partial class ControlMarkings
{
    public const string NoForn = "NOFORN";
    public const string Orcon = "ORCON";
    public const string Relido = "RELIDO";
    public const string Propin = "PROPIN";
    public const string Fouo = "FOUO";

    /// <summary>The nationality NOFORN material is restricted to.</summary>
    public const string UnitedStates = "USA";

    /// <summary>SCI control systems; a compartment may carry sub-compartments, e.g. "SI-G".</summary>
    public static IReadOnlyList<string> SciSystems { get; } = ["SI", "TK", "HCS", "G"];

    /// <summary>Dissemination controls in banner order (REL TO is placed between PROPIN and RELIDO).</summary>
    public static IReadOnlyList<string> DisseminationControls { get; } = [Fouo, Orcon, NoForn, Propin, Relido];

    private static readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal)
    {
        ["NF"] = NoForn,
        ["OC"] = Orcon,
        ["PR"] = Propin,
        ["FOR OFFICIAL USE ONLY"] = Fouo,
    };

    private static readonly Dictionary<string, string> _portionForms = new(StringComparer.Ordinal)
    {
        [NoForn] = "NF",
        [Orcon] = "OC",
        [Propin] = "PR",
    };

    /// <summary>True for an SCI compartment such as "SI", "TK", "HCS", "G" or "SI-G".</summary>
    public static bool IsSci(string caveat) =>
        SciSystems.Contains(caveat.Split('-')[0], StringComparer.Ordinal) && TokenPattern().IsMatch(caveat);

    /// <summary>True for a caveat the scheme parsers accept (a dissemination control or an SCI compartment).</summary>
    public static bool IsKnown(string caveat) =>
        DisseminationControls.Contains(caveat, StringComparer.Ordinal) || IsSci(caveat);

    /// <summary>False for handling instructions that do not restrict who may read (FOUO, RELIDO) and for NOFORN, which is decided by nationality.</summary>
    public static bool RequiresAuthorization(string caveat) => caveat is not (NoForn or Fouo or Relido);

    /// <summary>The canonical form ("nf" becomes "NOFORN"), or null when the text cannot be a caveat token.</summary>
    public static string? TryCanonicalize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var token = Spaces().Replace(text.Trim(), " ").ToUpperInvariant();
        token = _aliases.GetValueOrDefault(token, token);
        return TokenPattern().IsMatch(token) ? token : null;
    }

    /// <summary>The short form used in portion marks: "NF", "OC", "PR"; other caveats are unchanged.</summary>
    public static string PortionForm(string caveat) => _portionForms.GetValueOrDefault(caveat, caveat);

    [GeneratedRegex(@"^[A-Z0-9]+(-[A-Z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\s+")]
    internal static partial Regex Spaces();
}
