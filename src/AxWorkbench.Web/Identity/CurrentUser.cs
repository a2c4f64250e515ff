using System.Globalization;
using System.Security.Claims;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Components.Authorization;

namespace AxWorkbench.Web.Identity;

/// <summary>The signed-in user of this circuit, as the current authentication state says.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authenticationState)
{
    public async Task<ClaimsPrincipal> GetPrincipalAsync() => (await authenticationState.GetAuthenticationStateAsync()).User;

    public async Task<UserAuthorization> GetAuthorizationAsync() => ToAuthorization(await GetPrincipalAsync());

    public static UserAuthorization ToAuthorization(ClaimsPrincipal principal)
    {
        var level = int.TryParse(principal.FindFirstValue(WorkbenchClaims.Clearance), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && Enum.IsDefined((ClassificationLevel)value)
            ? (ClassificationLevel)value
            : ClassificationLevel.Unclassified;
        var caveats = (principal.FindFirstValue(WorkbenchClaims.Caveats) ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return new UserAuthorization(level, caveats, principal.FindFirstValue(WorkbenchClaims.Nationality) ?? "USA");
    }
}
