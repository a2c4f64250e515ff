namespace AxWorkbench.Core.Markings;

/// <summary>What a user may see: clearance, caveat/compartment authorizations and nationality (alpha-3, null if unknown).</summary>
public sealed record UserAuthorization(ClassificationLevel Clearance, IReadOnlySet<string> Caveats, string? Nationality = "USA");

/// <summary>Access decisions between users and markings.</summary>
public static class Access
{
    /// <summary>
    /// True when the user may see material with this marking: clearance at least the level; every
    /// access caveat held (SCI compartments, ORCON, PROPIN, and any unknown caveat); NOFORN requires
    /// nationality USA; REL TO requires the nationality in the list. FOUO and RELIDO are handling
    /// instructions and need no authorization. For any a, b: Dominates(u, Join(a, b)) == Dominates(u, a) &amp;&amp; Dominates(u, b).
    /// </summary>
    public static bool Dominates(UserAuthorization user, Marking marking)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(marking);
        if (user.Clearance < marking.Level)
        {
            return false;
        }

        var nationality = user.Nationality?.Trim().ToUpperInvariant();
        if (marking.Caveats.Contains(ControlMarkings.NoForn) && nationality != ControlMarkings.UnitedStates)
        {
            return false;
        }

        if (marking.RelTo is not null && (nationality is null || !marking.RelTo.Contains(nationality)))
        {
            return false;
        }

        var held = user.Caveats
            .Select(ControlMarkings.TryCanonicalize)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        return marking.Caveats.All(c => !ControlMarkings.RequiresAuthorization(c) || held.Contains(c));
    }
}
