using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AxWorkbench.Web.Security;

/// <summary>
/// Site security: the notice-and-consent step, sessions (at most N per user, idle lock), cookie rules, and the
/// security headers beside the shell's CSP.
/// </summary>
public static class SecurityWebExtensions
{
    public static WebApplicationBuilder AddSecurityWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<SessionRulesOptions>()
            .Bind(builder.Configuration.GetSection(SessionRulesOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.AddOptionsWithValidateOnStart<ConsentOptions>()
            .Bind(builder.Configuration.GetSection(ConsentOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddSingleton<SessionActivity>();
        builder.Services.AddScoped<SessionSignIn>();
        builder.Services.AddScoped<ConsentRecord>();
        builder.Services.AddScoped<CircuitSession>();
        builder.Services.AddScoped<CircuitHandler, ActivityCircuitHandler>();

        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // A cookie whose session ended (logout, or a newer sign-in beyond the limit) no longer signs anyone in.
        builder.Services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, options =>
        {
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            var inner = options.Events.OnValidatePrincipal;
            options.Events.OnValidatePrincipal = async context =>
            {
                await inner(context);
                if (context.Principal?.Identity?.IsAuthenticated == true
                    && !await context.HttpContext.RequestServices.GetRequiredService<SessionRegistry>().IsActiveAsync(context.Principal, context.HttpContext.RequestAborted))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                }
            };
        });
        builder.Services.Configure<SecurityStampValidatorOptions>(options => options.OnRefreshingPrincipal = context =>
        {
            CopySessionClaims(context.CurrentPrincipal, context.NewPrincipal);
            return Task.CompletedTask;
        });
        return builder;
    }

    /// <summary>Cookie rules for every cookie the app sets (HttpOnly, SameSite=Strict, Secure over HTTPS).</summary>
    public static WebApplication UseSecurityWeb(this WebApplication app)
    {
        app.UseCookiePolicy(new CookiePolicyOptions
        {
            HttpOnly = HttpOnlyPolicy.Always,
            MinimumSameSitePolicy = SameSiteMode.Strict,
            Secure = CookieSecurePolicy.SameAsRequest,
        });
        return app;
    }

    public static WebApplication MapSecurityWeb(this WebApplication app) => app;

    /// <summary>The session id and sign-in method survive a rebuilt principal (roles or clearance changed).</summary>
    public static void CopySessionClaims(System.Security.Claims.ClaimsPrincipal? from, System.Security.Claims.ClaimsPrincipal? to)
    {
        if (from is null || to?.Identity is not System.Security.Claims.ClaimsIdentity identity)
        {
            return;
        }
        foreach (var type in new[] { WorkbenchClaims.Session, WorkbenchClaims.AuthenticationMethod })
        {
            if (from.FindFirst(type) is { } claim && to.FindFirst(type) is null)
            {
                identity.AddClaim(new System.Security.Claims.Claim(type, claim.Value));
            }
        }
    }
}
