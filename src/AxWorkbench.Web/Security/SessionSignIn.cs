using System.Security.Claims;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Identity;

namespace AxWorkbench.Web.Security;

/// <summary>
/// Signs a verified user in with a new session (password or certificate): the login is audited first, sessions beyond
/// the limit end (audited), and the cookie carries the session id and the method.
/// </summary>
public sealed class SessionSignIn(SignInManager<WorkbenchUser> signIn, SessionRegistry sessions, IAuditLog audit)
{
    public const string Password = "pwd";
    public const string Certificate = "cert";

    /// <summary>Throws <see cref="AuditUnavailableException"/> (and signs nobody in) when the login cannot be recorded.</summary>
    public async Task SignInAsync(WorkbenchUser user, string method, WorkbenchActor actor, object? details = null, CancellationToken cancellationToken = default)
    {
        await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Login, user.UserName, details: details ?? new { method }), cancellationToken);
        var (sessionId, ended) = await sessions.StartAsync(user.Id, cancellationToken);
        foreach (var old in ended)
        {
            await audit.WriteAsync(AuditEvent.For(actor, AuditActions.SessionEnded, user.UserName, details: new { session = old, reason = "concurrent session limit" }), cancellationToken);
        }
        await signIn.SignInWithClaimsAsync(user, isPersistent: false,
            [new Claim(WorkbenchClaims.Session, sessionId), new Claim(WorkbenchClaims.AuthenticationMethod, method)]);
    }
}
