using System.Globalization;
using AxWorkbench.Core.Audit;
using AxWorkbench.Web.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>
/// The notice-and-consent step: accepting is audited and leaves a protected browser-session cookie; the login form
/// (password or certificate) works only with it.
/// </summary>
public sealed class ConsentRecord(IDataProtectionProvider protection, IAuditLog audit, IOptions<ConsentOptions> options, TimeProvider time)
{
    public const string CookieName = "AxWorkbench.Consent";

    /// <summary>A consent older than this is asked for again (one working day).</summary>
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(12);

    private IDataProtector Protector => protection.CreateProtector("AxWorkbench.Security.Consent");

    public bool Required => options.Value.Enabled;

    public bool HasConsented(HttpContext context)
    {
        if (!Required)
        {
            return true;
        }
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return false;
        }
        try
        {
            var ticks = long.Parse(Protector.Unprotect(value), CultureInfo.InvariantCulture);
            var age = time.GetUtcNow() - new DateTimeOffset(ticks, TimeSpan.Zero);
            return age >= TimeSpan.Zero && age < MaxAge;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>Audits the acceptance, then sets the cookie (not set when the record cannot be written).</summary>
    public async Task AcceptAsync(HttpContext context, string culture)
    {
        var actor = CurrentUser.Unauthenticated("anonymous", context.Connection.RemoteIpAddress?.ToString());
        await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Consent, "notice-and-consent",
            details: new { culture, userAgent = context.Request.Headers.UserAgent.ToString() }), context.RequestAborted);
        var value = Protector.Protect(time.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture));
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            IsEssential = true,
        });
    }

    /// <summary>The site's notice in the current UI language, or null for the app's standard text.</summary>
    public string? SiteText(CultureInfo culture) =>
        culture.TwoLetterISOLanguageName == "ko" ? NullIfBlank(options.Value.TextKorean) : NullIfBlank(options.Value.TextEnglish);

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
