using System.Security.Claims;
using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Identity;

/// <summary>
/// A disabled account cannot sign in, whatever its password. At each cookie revalidation a directory-backed user is read
/// from the directory again: roles, clearance and unit follow it, a disabled or removed entry ends the session, and an
/// unreachable directory leaves the session as it is.
/// </summary>
public sealed class WorkbenchSignInManager(
    UserManager<WorkbenchUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<WorkbenchUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<WorkbenchUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<WorkbenchUser> confirmation)
    : SignInManager<WorkbenchUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(WorkbenchUser user) =>
        !user.IsDisabled && await base.CanSignInAsync(user);

    public override async Task<WorkbenchUser?> ValidateSecurityStampAsync(ClaimsPrincipal? principal)
    {
        var user = await base.ValidateSecurityStampAsync(principal);
        if (user is null || principal is null || user.IsDisabled)
        {
            return null;
        }
        var directory = Context.RequestServices.GetRequiredService<DirectoryAccounts>();
        var actor = CurrentUser.ToActor(principal, Context.Connection.RemoteIpAddress?.ToString());
        var result = await directory.RefreshAsync(user, actor, "revalidation", Context.RequestAborted);
        return result.IsAccepted || result.Verdict == DirectoryVerdict.Unavailable ? user : null;
    }
}
