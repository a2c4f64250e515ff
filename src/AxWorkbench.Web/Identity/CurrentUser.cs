using System.Globalization;
using System.Security.Claims;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Components.Authorization;

namespace AxWorkbench.Web.Identity;

/// <summary>
/// The signed-in user of this circuit (or request), as the current authentication state says: the one place on the web
/// where claims become the <see cref="WorkbenchActor"/> every feature takes.
/// </summary>
public sealed class CurrentUser(AuthenticationStateProvider authenticationState, IHttpContextAccessor? http = null)
{
    private string? _clientAddress;

    public async Task<ClaimsPrincipal> GetPrincipalAsync() => (await authenticationState.GetAuthenticationStateAsync()).User;

    public async Task<UserAuthorization> GetAuthorizationAsync() => ToAuthorization(await GetPrincipalAsync());

    /// <summary>The signed-in user as an actor: id, name, roles, clearance, unit and the client address of the circuit.</summary>
    public async Task<WorkbenchActor> GetActorAsync() => ToActor(await GetPrincipalAsync(), ClientAddress);

    /// <summary>The client's address, remembered from the first call that saw the connection (a circuit keeps its address).</summary>
    public string? ClientAddress => _clientAddress ??= http?.HttpContext?.Connection.RemoteIpAddress?.ToString();

    /// <summary>An authenticated principal as an actor (endpoints build it from <c>HttpContext.User</c>).</summary>
    public static WorkbenchActor ToActor(ClaimsPrincipal principal, string? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The signed-in user has no id claim.");
        var name = principal.Identity?.Name ?? id;
        return new WorkbenchActor(
            id,
            name,
            [.. principal.FindAll(ClaimTypes.Role).Select(c => c.Value)],
            ToAuthorization(principal),
            principal.FindFirstValue(WorkbenchClaims.Unit) ?? "",
            clientAddress,
            principal.FindFirstValue(WorkbenchClaims.DisplayName));
    }

    /// <summary>Someone not (yet) signed in, known by the name they typed (a failed login) or "anonymous": no roles, no clearance.</summary>
    public static WorkbenchActor Unauthenticated(string name, string? clientAddress) =>
        new(name, name, [], new UserAuthorization(ClassificationLevel.Unclassified, new HashSet<string>(StringComparer.Ordinal)), "", clientAddress);

    public static UserAuthorization ToAuthorization(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var level = int.TryParse(principal.FindFirstValue(WorkbenchClaims.Clearance), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && Enum.IsDefined((ClassificationLevel)value)
            ? (ClassificationLevel)value
            : ClassificationLevel.Unclassified;
        var caveats = (principal.FindFirstValue(WorkbenchClaims.Caveats) ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return new UserAuthorization(level, caveats, principal.FindFirstValue(WorkbenchClaims.Nationality) ?? "USA");
    }
}
