using System.Globalization;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace AxWorkbench.Web.Shell;

public static partial class ShellWebExtensions
{
    /// <summary>Where the app listens when no operator chose an address.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static IReadOnlyList<CultureInfo> SupportedCultures { get; } = [new("en-US"), new("ko-KR")];

    /// <summary>
    /// The host every feature sits in: the loopback default address, the database and the marking scheme (every
    /// feature stores in one and shows the other), Razor components, MudBlazor, localization and per-circuit UI state.
    /// </summary>
    public static WebApplicationBuilder AddShellWeb(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseStaticWebAssets();
        UseDefaultUrlUnlessConfigured(builder);
        builder.AddWorkbenchData();
        builder.AddMarkings();
        AddCircuits(builder);
        builder.Services.AddMudServices();
        builder.Services.AddLocalization(options => options.ResourcesPath = "Resources");
        builder.Services.AddScoped<BannerState>();
        builder.Services.AddScoped<ThemeState>();

        // Keys that protect the login cookie live with the data (files on SQLite, the shared database on PostgreSQL).
        builder.AddWorkbenchDataProtection();
        return builder;
    }

    /// <summary>Razor components on Blazor Server circuits, within the site's <see cref="CircuitLimitsOptions"/>.</summary>
    private static void AddCircuits(WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<CircuitLimitsOptions>()
            .Bind(builder.Configuration.GetSection(CircuitLimitsOptions.SectionName))
            .ValidateDataAnnotations();
        // The hub's options are set when the hub is built, from the same section (a bad value fails the start above).
        var limits = builder.Configuration.GetSection(CircuitLimitsOptions.SectionName).Get<CircuitLimitsOptions>() ?? new CircuitLimitsOptions();
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents(circuits =>
            {
                circuits.DisconnectedCircuitMaxRetained = limits.DisconnectedCircuitMaxRetained;
                circuits.DisconnectedCircuitRetentionPeriod = TimeSpan.FromSeconds(limits.DisconnectedCircuitRetentionSeconds);
                circuits.MaxBufferedUnacknowledgedRenderBatches = limits.MaxBufferedUnacknowledgedRenderBatches;
            })
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = limits.MaxReceiveMessageKb * 1024L);
    }

    /// <summary>
    /// Loopback on port 5080 only when no source names an address: ASPNETCORE_URLS, --urls, Urls in any settings file,
    /// ASPNETCORE_HTTP_PORTS / HTTPS_PORTS or Kestrel:Endpoints all win over it, as ASP.NET Core operators expect.
    /// </summary>
    internal static void UseDefaultUrlUnlessConfigured(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configured = !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!configured)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
    }

    /// <summary>Creates the data folder and database, applies migrations, seeds demo users (passwords printed once).</summary>
    public static async Task InitializeWorkbenchAsync(this WebApplication app)
    {
        // Every setting is checked before anything is created or changed on disk.
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var scheme = scope.ServiceProvider.GetRequiredService<IOptions<MarkingOptions>>().Value.Scheme;
        var seeded = await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(scheme);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AxWorkbench.Demo");
        foreach (var (user, password) in seeded)
        {
            // Printed once, at the first start; only the hash is stored.
            LogDemoUser(logger, user.UserName, user.Role, password);
        }
    }

    public static WebApplication UseShellWeb(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseMiddleware<ContentSecurityPolicyMiddleware>();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("en-US"),
            SupportedCultures = [.. SupportedCultures],
            SupportedUICultures = [.. SupportedCultures],
        });

        var assets = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (Directory.Exists(assets))
        {
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(assets), RequestPath = "/assets" });
        }
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapShellWeb(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapGet("/culture/set", (string culture, string? redirectUri, HttpContext context) =>
        {
            if (SupportedCultures.Any(c => c.Name == culture))
            {
                context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, MaxAge = TimeSpan.FromDays(365), IsEssential = true });
            }
            return Results.LocalRedirect(IsLocal(redirectUri) ? redirectUri! : "/");
        }).AllowAnonymous();
        // The app sets its own CSP (frame-ancestors 'none'); no second header from the framework.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo user created: {UserName} ({Role}), password {Password} (shown once)")]
    private static partial void LogDemoUser(ILogger logger, string userName, string role, string password);
}
