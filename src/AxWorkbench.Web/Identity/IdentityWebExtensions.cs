using AxWorkbench.Core.Actors;
using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Audit;
using AxWorkbench.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;

namespace AxWorkbench.Web.Identity;

public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>How often an open circuit re-reads the user's roles and clearance (seconds, at most 60).</summary>
    [Range(1, 60, ErrorMessage = "Security:RevalidationIntervalSeconds must be between 1 and 60.")]
    public int RevalidationIntervalSeconds { get; set; } = 30;

    /// <summary>Idle time after which the login cookie expires (minutes).</summary>
    [Range(5, 24 * 60)]
    public int SessionMinutes { get; set; } = 480;
}

public static class IdentityWebExtensions
{
    public static WebApplicationBuilder AddIdentityWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<SecurityOptions>()
            .Bind(builder.Configuration.GetSection(SecurityOptions.SectionName))
            .ValidateDataAnnotations();
        var security = builder.Configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions();

        builder.AddWorkbenchIdentityCore()
            .AddClaimsPrincipalFactory<WorkbenchClaimsPrincipalFactory>()
            .AddSignInManager<WorkbenchSignInManager>()
            .AddDefaultTokenProviders();

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/access-denied";
            options.Cookie.Name = "AxWorkbench.Auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.ExpireTimeSpan = TimeSpan.FromMinutes(security.SessionMinutes);
            options.SlidingExpiration = true;
            options.Events = new CookieAuthenticationEvents
            {
                // AddIdentityCookies put the security-stamp check here; a new Events object must keep it, or a cookie is
                // never revalidated over HTTP (roles, clearance, a disabled account).
                OnValidatePrincipal = SecurityStampValidator.ValidatePrincipalAsync,
                // APIs (/healthz details, future endpoints) answer 401/403 instead of redirecting.
                OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized),
                OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden),
            };
        });
        builder.Services.Configure<SecurityStampValidatorOptions>(options =>
            options.ValidationInterval = TimeSpan.FromSeconds(security.RevalidationIntervalSeconds));

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.Admin, policy => policy.RequireRole(Roles.Admin))
            .AddPolicy(Roles.Supervisor, policy => policy.RequireRole(Roles.Supervisor, Roles.Admin));
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, RefreshingAuthenticationStateProvider>();
        builder.Services.AddScoped<CurrentUser>();
        return builder;
    }

    public static WebApplication MapIdentityWeb(this WebApplication app)
    {
        app.MapPost("/account/logout", async (HttpContext http, SignInManager<WorkbenchUser> signIn, IAuditLog audit, IAntiforgery antiforgery, SessionRegistry sessions) =>
        {
            // The form carries an antiforgery token; another site cannot sign the user out.
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest();
            }
            var actor = WebAuditActorSource.FromHttpContext(http);
            try
            {
                await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Logout, actor.Name), http.RequestAborted);
            }
            catch (AuditUnavailableException ex)
            {
                // Never performed unrecorded: the session stays until the audit log can record its end.
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Audit log unavailable");
            }
            await sessions.EndAsync(http.User, http.RequestAborted);
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
        return app;
    }

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/healthz"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
