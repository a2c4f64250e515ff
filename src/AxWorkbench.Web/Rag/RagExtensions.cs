using AxWorkbench.Core.Actors;
using System.Security.Claims;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Rag;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Web.Identity;

namespace AxWorkbench.Web.Rag;

public static class RagExtensions
{
    /// <summary>Documents into libraries and chat over libraries (Core's AddRag) plus the signed-in user as a library actor.</summary>
    public static IHostApplicationBuilder AddRagWeb(this IHostApplicationBuilder builder)
    {
        builder.AddRag();
        builder.Services.AddScoped<RagUserAccessor>();
        return builder;
    }
}

/// <summary>The signed-in user as retrieval sees them: id, audit name, authorization, unit, administrator or not.</summary>
public sealed class RagUserAccessor(CurrentUser currentUser)
{
    public async Task<LibraryActor> GetAsync()
    {
        var user = await currentUser.GetPrincipalAsync();
        return new LibraryActor(
            user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The signed-in user has no id claim."),
            user.Identity?.Name ?? "",
            CurrentUser.ToAuthorization(user),
            user.FindFirstValue(WorkbenchClaims.Unit) ?? "",
            user.IsInRole(Roles.Admin));
    }
}
