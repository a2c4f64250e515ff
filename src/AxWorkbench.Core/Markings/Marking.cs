using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Markings;

/// <summary>
/// A classification level with caveats (SCI compartments, dissemination controls) and an optional
/// REL TO list. Immutable, with value equality (sets compare as sets). The constructor canonicalizes:
/// caveats upper case with long forms ("nf" becomes "NOFORN"); FOUO is dropped at CONFIDENTIAL and above,
/// where it is not used; NOFORN means "REL TO USA" only, so NOFORN with a REL TO list that includes USA
/// is plain NOFORN (RelTo null) and NOFORN with a list without USA is releasable to no one (RelTo empty).
/// </summary>
public sealed partial record Marking
{
    private static readonly ImmutableSortedSet<string> _usaOnly = [ControlMarkings.UnitedStates];

    public Marking(ClassificationLevel level, IEnumerable<string>? caveats = null, IEnumerable<string>? relTo = null)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown classification level.");
        }

        var canonical = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var caveat in caveats ?? [])
        {
            canonical.Add(ControlMarkings.TryCanonicalize(caveat)
                ?? throw new ArgumentException($"'{caveat}' is not a caveat (letters, digits and '-' only).", nameof(caveats)));
        }

        if (level >= ClassificationLevel.Confidential)
        {
            canonical.Remove(ControlMarkings.Fouo);
        }

        Level = level;
        Caveats = canonical.ToImmutable();
        if (relTo is not null)
        {
            var countries = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var country in relTo)
            {
                var code = country?.Trim().ToUpperInvariant();
                countries.Add(code is not null && CountryPattern().IsMatch(code)
                    ? code
                    : throw new ArgumentException($"'{country}' is not a country code (3 or 4 letters).", nameof(relTo)));
            }

            // NOFORN is REL TO USA only: with a list that includes USA it is plain NOFORN, otherwise releasable to no one.
            RelTo = !Caveats.Contains(ControlMarkings.NoForn) ? countries.ToImmutable()
                : countries.Contains(ControlMarkings.UnitedStates) ? null
                : ImmutableSortedSet<string>.Empty;
        }
    }

    public ClassificationLevel Level { get; }

    /// <summary>Canonical upper-case caveats, e.g. "SI", "TK", "NOFORN", "ORCON".</summary>
    public IReadOnlySet<string> Caveats { get; }

    /// <summary>Null: no REL TO restriction (beyond NOFORN, if present). Otherwise the countries it may be
    /// released to; empty after joining disjoint lists: releasable to no one.</summary>
    public IReadOnlySet<string>? RelTo { get; }

    public static Marking Unclassified { get; } = new(ClassificationLevel.Unclassified);

    /// <summary>True when the marking carries an SCI compartment (SI, TK, HCS, G, or a sub-compartment such as SI-G).</summary>
    public bool IsSci => Caveats.Any(ControlMarkings.IsSci);

    /// <summary>
    /// The least marking at or above both: highest level, union of caveats, intersection of REL TO
    /// lists (null is the identity), NOFORN beating REL TO (NOFORN joined with REL TO USA, KOR is NOFORN).
    /// Commutative, associative, idempotent; Join(a, b).IsAtLeast(a) and IsAtLeast(b).
    /// </summary>
    public static Marking Join(Marking a, Marking b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var relTo = (a.RelTo, b.RelTo) switch
        {
            (null, null) => null,
            (null, var r) => r,
            (var r, null) => r,
            var (x, y) => x.Intersect(y),
        };
        return new Marking((ClassificationLevel)Math.Max((int)a.Level, (int)b.Level), a.Caveats.Union(b.Caveats), relTo);
    }

    /// <summary>The join of all markings; <see cref="Unclassified"/> for none.</summary>
    public static Marking Join(IEnumerable<Marking> markings)
    {
        ArgumentNullException.ThrowIfNull(markings);
        return markings.Aggregate(Unclassified, Join);
    }

    /// <summary>
    /// The partial order behind <see cref="Join(Marking, Marking)"/>: level at least, caveats a superset
    /// (FOUO is subsumed by a classified level), release at most as wide. Join(a, b).IsAtLeast(a) always holds.
    /// </summary>
    public bool IsAtLeast(Marking other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Level < other.Level)
        {
            return false;
        }

        if (!other.Caveats.All(c => Caveats.Contains(c) || (c == ControlMarkings.Fouo && Level >= ClassificationLevel.Confidential)))
        {
            return false;
        }

        var mine = Releasability(this);
        var theirs = Releasability(other);
        return theirs is null || (mine is not null && mine.IsSubsetOf(theirs));
    }

    /// <summary>Who may receive it: null for anyone, otherwise the countries (NOFORN is USA alone).</summary>
    private static IReadOnlySet<string>? Releasability(Marking marking) =>
        marking.RelTo ?? (marking.Caveats.Contains(ControlMarkings.NoForn) ? _usaOnly : null);

    public bool Equals(Marking? other) =>
        other is not null
        && Level == other.Level
        && Caveats.SetEquals(other.Caveats)
        && (RelTo is null ? other.RelTo is null : other.RelTo is not null && RelTo.SetEquals(other.RelTo));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Level);
        foreach (var caveat in Caveats)
        {
            hash.Add(caveat);
        }

        hash.Add(RelTo is null ? -1 : RelTo.Count);
        foreach (var country in RelTo ?? ImmutableSortedSet<string>.Empty)
        {
            hash.Add(country);
        }

        return hash.ToHashCode();
    }

    /// <summary>A scheme-neutral debugging form, e.g. "Secret//NOFORN/SI//REL TO USA, KOR". Use a scheme to display.</summary>
    public override string ToString()
    {
        List<string> parts = [Level.ToString()];
        if (Caveats.Count > 0)
        {
            parts.Add(string.Join('/', Caveats));
        }

        if (RelTo is not null)
        {
            parts.Add("REL TO " + string.Join(", ", RelTo));
        }

        return string.Join("//", parts);
    }

    [GeneratedRegex("^[A-Z]{3,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex CountryPattern();
}
