using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
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
        builder.Services.AddOptionsWithValidateOnStart<HttpsOptions>()
            .Bind(builder.Configuration.GetSection(HttpsOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.AddOptionsWithValidateOnStart<CertificateLoginOptions>()
            .Bind(builder.Configuration.GetSection(CertificateLoginOptions.SectionName));
        var https = builder.Configuration.GetSection(HttpsOptions.SectionName).Get<HttpsOptions>() ?? new HttpsOptions();
        var certificates = builder.Configuration.GetSection(CertificateLoginOptions.SectionName).Get<CertificateLoginOptions>() ?? new CertificateLoginOptions();
        var cookiesSecure = https.Enabled ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        AddHttps(builder, https, certificates);
        AddCertificateLogin(builder, https, certificates);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddSingleton<SessionActivity>();
        builder.Services.AddScoped<SessionSignIn>();
        builder.Services.AddScoped<DirectorySignIn>();
        builder.Services.AddScoped<ConsentRecord>();
        builder.Services.AddScoped<CircuitSession>();
        builder.Services.AddScoped<CircuitHandler, ActivityCircuitHandler>();

        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = cookiesSecure;
        });
        // A cookie whose session ended (logout, or a newer sign-in beyond the limit) no longer signs anyone in.
        builder.Services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, options =>
        {
            options.Cookie.SecurePolicy = cookiesSecure;
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
        var https = app.Services.GetRequiredService<IOptions<HttpsOptions>>().Value;
        if (https.Enabled)
        {
            if (https.HttpRequests == HttpRequestPolicy.Redirect)
            {
                app.UseHttpsRedirection();
            }
            else
            {
                app.Use((context, next) =>
                {
                    if (context.Request.IsHttps)
                    {
                        return next(context);
                    }
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return context.Response.WriteAsync("This site takes HTTPS only.", context.RequestAborted);
                });
            }
        }
        app.UseCookiePolicy(new CookiePolicyOptions
        {
            HttpOnly = HttpOnlyPolicy.Always,
            MinimumSameSitePolicy = SameSiteMode.Strict,
            Secure = https.Enabled ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest,
        });
        return app;
    }

    public static WebApplication MapSecurityWeb(this WebApplication app) => app;

    /// <summary>
    /// The site's certificate on every https:// address (ASPNETCORE_URLS, Urls or Kestrel:Endpoints without a certificate
    /// of their own), HSTS on every host, and the Data Protection keys encrypted with a certificate when one is named.
    /// </summary>
    private static void AddHttps(WebApplicationBuilder builder, HttpsOptions https, CertificateLoginOptions certificates)
    {
        if (https.Enabled)
        {
            var certificate = SiteCertificateFiles.LoadWithKey("Security:Https:CertificatePath", https.CertificatePath!, NullIfBlank(https.KeyPath), NullIfBlank(https.Password), TimeProvider.System);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(tls =>
            {
                tls.ServerCertificate = certificate;
                tls.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                if (certificates.Enabled)
                {
                    // Asked for, not required: a missing or refused certificate gets a page saying why (SiteTrust
                    // decides with the site's CAs and CRLs), not a dropped connection.
                    tls.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    tls.AllowAnyClientCertificate();
                }
            }));
            builder.Services.AddHsts(options =>
            {
                options.MaxAge = TimeSpan.FromDays(https.HstsMaxAgeDays);
                // The site's certificate names the real host; loopback is not excluded as it is for development.
                options.ExcludedHosts.Clear();
            });
            builder.Services.AddHttpsRedirection(options =>
            {
                options.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
                options.HttpsPort = https.HttpsPort;
            });
        }
        if (NullIfBlank(https.DataProtectionCertificatePath) is { } keysPath)
        {
            var keys = SiteCertificateFiles.LoadWithKey("Security:Https:DataProtectionCertificatePath", keysPath, null, NullIfBlank(https.DataProtectionCertificatePassword), TimeProvider.System);
            // Encrypts new keys; the same certificate (from the file, not a machine store) decrypts them.
            builder.Services.AddDataProtection().ProtectKeysWithCertificate(keys).UnprotectKeysWithAnyCertificate(keys);
        }
    }

    private static void AddCertificateLogin(WebApplicationBuilder builder, HttpsOptions https, CertificateLoginOptions certificates)
    {
        builder.Services.AddSingleton<SiteTrust>();
        builder.Services.AddScoped<CertificateSignIn>();
        if (!certificates.Enabled)
        {
            return;
        }
        if (!https.Enabled)
        {
            throw new OptionsValidationException(CertificateLoginOptions.SectionName, typeof(CertificateLoginOptions),
                [$"Security:Certificates:Mode is {certificates.Mode}, which needs HTTPS: set Security:Https:CertificatePath (client certificates come with TLS)."]);
        }
        SiteTrust.LoadCas(certificates); // stops the start here when the bundle or the CRL folder is wrong
        builder.Services.AddAuthentication().AddCertificate();
        builder.Services.AddOptions<CertificateAuthenticationOptions>(CertificateAuthenticationDefaults.AuthenticationScheme)
            .Configure<SiteTrust>((options, trust) =>
            {
                options.AllowedCertificateTypes = CertificateTypes.Chained;
                options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                options.CustomTrustStore = [.. trust.Roots];
                options.AdditionalChainCertificates = [.. trust.Intermediates];
                // No online lookups: revocation comes from the CRL folder (below).
                options.RevocationMode = X509RevocationMode.NoCheck;
                options.ValidateCertificateUse = true;
                options.ValidateValidityPeriod = true;
                options.Events = new CertificateAuthenticationEvents
                {
                    OnCertificateValidated = context =>
                    {
                        var verdict = trust.CheckRevocation(context.ClientCertificate);
                        if (!verdict.IsAccepted)
                        {
                            context.Fail(verdict.Detail);
                        }
                        return Task.CompletedTask;
                    },
                };
            });
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

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
