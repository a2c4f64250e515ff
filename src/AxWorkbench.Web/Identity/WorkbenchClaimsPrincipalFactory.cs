using System.Globalization;
using System.Security.Claims;
using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Identity;

/// <summary>Puts clearance, caveats, unit and nationality on the principal.</summary>
public sealed class WorkbenchClaimsPrincipalFactory(
    UserManager<WorkbenchUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<WorkbenchUser, IdentityRole>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(WorkbenchUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(WorkbenchClaims.Clearance, ((int)user.Clearance).ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(WorkbenchClaims.Caveats, user.CaveatAuthorizations));
        identity.AddClaim(new Claim(WorkbenchClaims.Unit, user.Unit));
        identity.AddClaim(new Claim(WorkbenchClaims.Nationality, user.Nationality));
        identity.AddClaim(new Claim(WorkbenchClaims.DisplayName, user.DisplayName));
        return identity;
    }
}
