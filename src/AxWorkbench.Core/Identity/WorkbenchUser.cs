using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Identity;

namespace AxWorkbench.Core.Identity;

/// <summary>An analyst, supervisor or admin: a login plus a clearance and a unit.</summary>
public sealed class WorkbenchUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>The organisational unit the user belongs to (review scope, library access).</summary>
    public string Unit { get; set; } = "";

    public ClassificationLevel Clearance { get; set; } = ClassificationLevel.Unclassified;

    /// <summary>Caveat / compartment authorizations, space separated, canonical upper case (e.g. "NOFORN SI TK").</summary>
    public string CaveatAuthorizations { get; set; } = "";

    /// <summary>Nationality for REL TO decisions (ISO 3166 alpha-3).</summary>
    public string Nationality { get; set; } = "USA";

    public bool IsDisabled { get; set; }

    public DateTimeOffset CreatedUtc { get; set; } = DateTimeOffset.UtcNow;

    public IReadOnlySet<string> CaveatSet =>
        CaveatAuthorizations.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);

    public UserAuthorization ToAuthorization() => new(Clearance, CaveatSet, Nationality);
}
