using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Actors;

/// <summary>
/// Who is acting, as every feature sees them: the signed-in user on the web (built once per request or circuit
/// by the Web accessor), an API key's service account, or the operator / the system outside the web.
/// </summary>
/// <param name="UserId">The user's id (the Identity key); for the operator and the system a fixed pseudo-id.</param>
/// <param name="Name">The login name, as it appears in audit records.</param>
/// <param name="Roles">Role names (see <see cref="Actors.Roles"/>).</param>
/// <param name="Authorization">Clearance, caveat authorizations and nationality.</param>
/// <param name="Unit">The user's unit (empty when none).</param>
/// <param name="ClientAddress">Where the request came from, for audit records (null when unknown).</param>
/// <param name="DisplayName">The name shown to people (defaults to <paramref name="Name"/>).</param>
public sealed record WorkbenchActor(
    string UserId,
    string Name,
    IReadOnlyCollection<string> Roles,
    UserAuthorization Authorization,
    string Unit = "",
    string? ClientAddress = null,
    string? DisplayName = null)
{
    /// <summary>The name written into audit records.</summary>
    public string AuditName => Name;

    public bool IsInRole(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase);

    public bool IsAdministrator => IsInRole(Actors.Roles.Admin);

    public bool IsSupervisor => IsInRole(Actors.Roles.Supervisor);

    /// <summary>Background work and start-up tasks: cleared for everything, audited as "system".</summary>
    public static WorkbenchActor System { get; } = new(
        "system", "system", [Actors.Roles.Admin],
        new UserAuthorization(Enum.GetValues<ClassificationLevel>().Max(), new HashSet<string>(StringComparer.Ordinal)), "", null, "System");

    /// <summary>The operating-system user running an operator command.</summary>
    public static WorkbenchActor Operator(string osUser) => new(
        $"operator:{osUser}", $"operator:{osUser}", [Actors.Roles.Admin],
        new UserAuthorization(Enum.GetValues<ClassificationLevel>().Max(), new HashSet<string>(StringComparer.Ordinal)), "", "local", osUser);
}
