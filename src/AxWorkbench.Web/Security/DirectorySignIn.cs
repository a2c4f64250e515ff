using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>
/// The login form's password check when the site directory is on. A name that belongs to a local account keeps its local
/// password (break-glass; only administrators while <see cref="DirectoryOptions.LocalAccountsAdminsOnly"/>); every other
/// name is checked by the directory (bind as the user), and the local copy is created or refreshed before the session
/// starts. The workbench's own lockout counts directory password failures too.
/// </summary>
public sealed class DirectorySignIn(
    DirectoryAccounts directory,
    UserManager<WorkbenchUser> users,
    SessionSignIn sessions,
    IAuditLog audit,
    IOptions<DirectoryOptions> options,
    IStringLocalizer<SharedResource> text)
{
    public bool Enabled => options.Value.Enabled;

    /// <summary>True when the typed name goes to the directory (no local account, or a directory-backed one).</summary>
    public async Task<bool> HandlesAsync(WorkbenchUser? local) =>
        Enabled && (local is null || await directory.IsDirectoryUserAsync(local));

    /// <summary>Null when a local account may use its password; otherwise the page's message (the refusal is audited).</summary>
    public async Task<string?> RefuseLocalAsync(WorkbenchUser local, WorkbenchActor actor)
    {
        if (!Enabled || !options.Value.LocalAccountsAdminsOnly || await users.IsInRoleAsync(local, Roles.Admin))
        {
            return null;
        }
        await TryAuditAsync(AuditEvent.For(actor, AuditActions.LoginFailed, local.UserName, AuditOutcomes.Denied,
            new { reason = "local account while the directory is on (Security:Directory:LocalAccountsAdminsOnly)" }));
        return text["DirectoryLocalAdminsOnly"];
    }

    /// <summary>Checks the password with the directory and signs in; null on success, else the page's message.</summary>
    public async Task<string?> SignInAsync(string userName, string password, WorkbenchUser? local, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        if (local is not null && await users.IsLockedOutAsync(local))
        {
            await TryAuditAsync(AuditEvent.For(actor, AuditActions.LoginFailed, userName, AuditOutcomes.Failure, new { reason = "locked out", source = "directory" }));
            return text["LockedOut"];
        }
        var result = await directory.SignInAsync(userName, password, actor, cancellationToken);
        switch (result.Verdict)
        {
            case DirectoryVerdict.Accepted:
                var user = result.User!;
                if (user.IsDisabled)
                {
                    await TryAuditAsync(AuditEvent.For(actor, AuditActions.LoginFailed, userName, AuditOutcomes.Failure, new { reason = "account disabled in the workbench", source = "directory" }));
                    return text["AccountDisabled"];
                }
                await users.ResetAccessFailedCountAsync(user);
                try
                {
                    await sessions.SignInAsync(user, SessionSignIn.Password, actor,
                        new { method = SessionSignIn.Password, source = "directory", dn = result.Dn, directory = options.Value.Url }, cancellationToken);
                }
                catch (AuditUnavailableException)
                {
                    return text["AuditUnavailable"];
                }
                return null;
            case DirectoryVerdict.WrongPassword when local is not null:
                await users.AccessFailedAsync(local);
                if (await users.IsLockedOutAsync(local))
                {
                    await TryAuditAsync(AuditEvent.For(actor, AuditActions.Lockout, userName, AuditOutcomes.Denied, new { reason = "too many failed attempts", source = "directory" }));
                    return text["LockedOut"];
                }
                return text["LoginFailed"];
            case DirectoryVerdict.Disabled:
                return text["AccountDisabled"];
            case DirectoryVerdict.NoRole:
                return text["DirectoryNoRole"];
            case DirectoryVerdict.BadClearance:
                return text["DirectoryBadClearance", result.Detail];
            case DirectoryVerdict.NoUnit:
                return text["DirectoryNoUnit", result.Detail];
            case DirectoryVerdict.Unavailable:
                return text["DirectoryUnavailable", result.Detail.TrimEnd('.')];
            default:
                return text["LoginFailed"];
        }
    }

    private async Task TryAuditAsync(AuditEvent auditEvent)
    {
        try
        {
            await audit.WriteAsync(auditEvent);
        }
        catch (AuditUnavailableException)
        {
            // A refusal stands whether or not it could be recorded.
        }
    }
}
