using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Identity;

/// <summary>A disabled account cannot sign in, whatever its password.</summary>
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
}
