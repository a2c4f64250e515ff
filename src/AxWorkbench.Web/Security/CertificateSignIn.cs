using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>What a certificate login attempt showed: the verdict, the certificate's names, and the user when signed in.</summary>
public sealed record CertificateAttempt(CertificateVerdict Verdict, string? Subject, string? Issuer, string? Thumbprint, string? UserName);

/// <summary>
/// Certificate login: the TLS client certificate passes the certificate authentication handler (site CAs, dates,
/// client-auth use, the CRL folder), is mapped to a user by thumbprint, UPN or subject, and signs in with a new
/// session. Every login and every refusal is audited with subject, issuer and thumbprint.
/// </summary>
public sealed class CertificateSignIn(
    SiteTrust trust,
    UserManager<WorkbenchUser> users,
    SessionSignIn sessions,
    IAuditLog audit,
    DirectoryAccounts directory,
    IOptions<CertificateLoginOptions> options)
{
    public async Task<CertificateAttempt> SignInAsync(HttpContext http)
    {
        if (!options.Value.Enabled)
        {
            return new(new(CertificateRefusal.PasswordOnly, "certificate login is off (Security:Certificates:Mode = PasswordOnly)"), null, null, null, null);
        }
        var certificate = await http.Connection.GetClientCertificateAsync(http.RequestAborted);
        if (certificate is null)
        {
            return await RefuseAsync(http, null, new(CertificateRefusal.NoCertificate, "the browser presented no client certificate"));
        }
        var result = await http.AuthenticateAsync(CertificateAuthenticationDefaults.AuthenticationScheme);
        if (!result.Succeeded)
        {
            // The handler refused; the site's own check names the reason for the page and the record.
            var verdict = trust.Validate(certificate);
            return await RefuseAsync(http, certificate, verdict.IsAccepted ? new(CertificateRefusal.Untrusted, result.Failure?.Message ?? "refused") : verdict);
        }

        var matches = new List<WorkbenchUser>();
        foreach (var claim in CertificateMapping.Candidates(certificate))
        {
            matches.AddRange(await users.GetUsersForClaimAsync(claim));
            if (matches.Count > 0)
            {
                break;
            }
        }
        if (matches.Count == 0)
        {
            return await RefuseAsync(http, certificate, new(CertificateRefusal.Unmapped, "valid, but registered to no workbench user"));
        }
        if (matches.DistinctBy(u => u.Id).Count() > 1)
        {
            return await RefuseAsync(http, certificate, new(CertificateRefusal.Ambiguous, "registered to more than one user: " + string.Join(", ", matches.Select(u => u.UserName))));
        }
        var user = matches[0];
        if (user.IsDisabled || await users.IsLockedOutAsync(user))
        {
            return await RefuseAsync(http, certificate, new(CertificateRefusal.AccountDisabled, $"the account '{user.UserName}' is disabled or locked"), user.UserName);
        }
        var actor = CurrentUser.Unauthenticated(user.UserName!, http.Connection.RemoteIpAddress?.ToString());
        // A directory user's roles, clearance and state come from the directory now too; when it cannot be reached the
        // certificate still signs in with what was last read (as a revalidation would keep the session).
        var fromDirectory = await directory.RefreshAsync(user, actor, "certificate login", http.RequestAborted);
        if (!fromDirectory.IsAccepted && fromDirectory.Verdict != DirectoryVerdict.Unavailable)
        {
            return await RefuseAsync(http, certificate, new(CertificateRefusal.AccountDisabled, $"the directory refused '{user.UserName}': {fromDirectory.Detail}"), user.UserName);
        }
        await sessions.SignInAsync(user, SessionSignIn.Certificate, actor, new
        {
            method = SessionSignIn.Certificate,
            subject = certificate.Subject,
            issuer = certificate.Issuer,
            thumbprint = CertificateMapping.Thumbprint(certificate),
        }, http.RequestAborted);
        return new(CertificateVerdict.Accepted, certificate.Subject, certificate.Issuer, CertificateMapping.Thumbprint(certificate), user.UserName);
    }

    private async Task<CertificateAttempt> RefuseAsync(HttpContext http, X509Certificate2? certificate, CertificateVerdict verdict, string? userName = null)
    {
        var actor = CurrentUser.Unauthenticated(userName ?? certificate?.GetNameInfo(X509NameType.SimpleName, false) ?? "anonymous", http.Connection.RemoteIpAddress?.ToString());
        var thumbprint = certificate is null ? null : CertificateMapping.Thumbprint(certificate);
        try
        {
            await audit.WriteAsync(AuditEvent.For(actor, AuditActions.CertificateRefused, certificate?.Subject ?? "no certificate", AuditOutcomes.Denied, new
            {
                reason = verdict.Refusal.ToString(),
                detail = verdict.Detail,
                subject = certificate?.Subject,
                issuer = certificate?.Issuer,
                thumbprint,
            }), http.RequestAborted);
        }
        catch (AuditUnavailableException)
        {
            // The refusal stands whether or not it could be recorded.
        }
        return new(verdict, certificate?.Subject, certificate?.Issuer, thumbprint, userName);
    }
}
