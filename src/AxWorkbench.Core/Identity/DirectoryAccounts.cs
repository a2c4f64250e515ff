using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using System.Security.Claims;

namespace AxWorkbench.Core.Identity;

public enum DirectoryVerdict
{
    Accepted,
    NotInDirectory,
    WrongPassword,
    Disabled,
    NoRole,
    BadClearance,
    NoUnit,
    LocalNameTaken,
    Unavailable,
}

/// <summary>What the directory said about a user: the verdict, a sentence for the page and the record, and the local user when accepted.</summary>
public sealed record DirectoryResult(DirectoryVerdict Verdict, string Detail, WorkbenchUser? User = null, string? Dn = null)
{
    public bool IsAccepted => Verdict == DirectoryVerdict.Accepted;
}

/// <summary>
/// Directory-backed users: the directory is the authority for who may sign in, their roles (group → role), clearance and
/// unit. A directory user is an Identity user without a local password that carries the claim <see cref="DnClaim"/>
/// (no schema change); it is created at its first login and brought up to date at every login and every revalidation.
/// Every refusal is audited (<see cref="AuditActions.DirectoryRefused"/>), every change to the local copy too.
/// </summary>
public sealed class DirectoryAccounts(
    UserManager<WorkbenchUser> users,
    UserAdministration administration,
    IMarkingScheme scheme,
    IAuditLog audit,
    DirectoryClient client,
    IOptions<DirectoryOptions> options)
{
    /// <summary>The user claim that marks a directory-backed user; its value is the entry's DN.</summary>
    public const string DnClaim = "ax:dir:dn";

    public bool Enabled => options.Value.Enabled;

    public string Url => options.Value.Url;

    public async Task<bool> IsDirectoryUserAsync(WorkbenchUser user) =>
        (await users.GetClaimsAsync(user)).Any(c => c.Type == DnClaim);

    /// <summary>
    /// The password of a signed-in user (the idle-lock unlock): directory users bind as their entry, local users answer
    /// null (the caller checks the local password). Throws <see cref="DirectoryUnavailableException"/> when it is down.
    /// </summary>
    public async Task<bool?> CheckDirectoryPasswordAsync(WorkbenchUser user, string password, CancellationToken cancellationToken = default)
    {
        var dn = (await users.GetClaimsAsync(user)).FirstOrDefault(c => c.Type == DnClaim)?.Value;
        return dn is null || !options.Value.Enabled ? null : await client.CheckPasswordAsync(dn, password, cancellationToken);
    }

    /// <summary>Finds the user, binds as them with <paramref name="password"/>, then creates or refreshes the local copy.</summary>
    public async Task<DirectoryResult> SignInAsync(string userName, string password, WorkbenchActor actor, CancellationToken cancellationToken = default)
    {
        DirectoryEntry? entry;
        try
        {
            entry = await client.FindAsync(userName, cancellationToken);
            if (entry is null)
            {
                return await RefuseAsync(actor, userName, null, DirectoryVerdict.NotInDirectory, "no entry (or more than one) matches the user name", "login");
            }
            var local = await users.FindByNameAsync(entry.UserName);
            if (local is not null && !await IsDirectoryUserAsync(local))
            {
                return await RefuseAsync(actor, userName, entry.Dn, DirectoryVerdict.LocalNameTaken, $"a local account is named '{entry.UserName}'", "login");
            }
            if (entry.Disabled)
            {
                return await RefuseAsync(actor, userName, entry.Dn, DirectoryVerdict.Disabled, "the directory account is disabled", "login");
            }
            if (!await client.CheckPasswordAsync(entry.Dn, password, cancellationToken))
            {
                return await RefuseAsync(actor, userName, entry.Dn, DirectoryVerdict.WrongPassword, "the directory refused the password", "login");
            }
            return await ApplyAsync(entry, local, actor, "login");
        }
        catch (DirectoryUnavailableException ex)
        {
            return await RefuseAsync(actor, userName, null, DirectoryVerdict.Unavailable, ex.Message, "login");
        }
    }

    /// <summary>
    /// At a revalidation (or a certificate login): reads the user's entry again. Local users are accepted unchanged. An
    /// unreachable directory answers <see cref="DirectoryVerdict.Unavailable"/> (not audited: the caller decides).
    /// </summary>
    public async Task<DirectoryResult> RefreshAsync(WorkbenchUser user, WorkbenchActor actor, string phase, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled || !await IsDirectoryUserAsync(user))
        {
            return new(DirectoryVerdict.Accepted, "local account", user);
        }
        DirectoryEntry? entry;
        try
        {
            entry = await client.FindAsync(user.UserName!, cancellationToken);
        }
        catch (DirectoryUnavailableException ex)
        {
            return new(DirectoryVerdict.Unavailable, ex.Message, user);
        }
        if (entry is null)
        {
            return await RefuseAsync(actor, user.UserName!, null, DirectoryVerdict.NotInDirectory, "the entry is gone from the directory", phase);
        }
        if (entry.Disabled)
        {
            return await RefuseAsync(actor, user.UserName!, entry.Dn, DirectoryVerdict.Disabled, "the directory account is disabled", phase);
        }
        return await ApplyAsync(entry, user, actor, phase);
    }

    /// <summary>Groups → roles, clearance and unit from the entry; creates the local user or updates it (new security stamp when anything changed).</summary>
    private async Task<DirectoryResult> ApplyAsync(DirectoryEntry entry, WorkbenchUser? user, WorkbenchActor actor, string phase)
    {
        var settings = options.Value;
        var roles = settings.RolesFor(entry.Groups);
        if (roles.Count == 0)
        {
            return await RefuseAsync(actor, entry.UserName, entry.Dn, DirectoryVerdict.NoRole,
                $"the account is in no group that {DirectoryOptions.SectionName}:GroupRoles maps to a role", phase);
        }
        if (string.IsNullOrWhiteSpace(entry.Clearance))
        {
            return await RefuseAsync(actor, entry.UserName, entry.Dn, DirectoryVerdict.BadClearance,
                $"the entry has no clearance (attribute {settings.ClearanceAttribute})", phase);
        }
        Marking clearance;
        try
        {
            clearance = scheme.ParseBanner(entry.Clearance);
        }
        catch (MarkingFormatException ex)
        {
            return await RefuseAsync(actor, entry.UserName, entry.Dn, DirectoryVerdict.BadClearance,
                $"the clearance '{entry.Clearance}' (attribute {settings.ClearanceAttribute}) is not a valid {scheme.Kind} marking: {ex.Message}", phase);
        }
        if (string.IsNullOrWhiteSpace(entry.Unit))
        {
            return await RefuseAsync(actor, entry.UserName, entry.Dn, DirectoryVerdict.NoUnit,
                $"the entry has no unit (attribute {settings.UnitAttribute})", phase);
        }
        var caveats = string.Join(' ', clearance.Caveats.Order(StringComparer.Ordinal));
        var unit = entry.Unit.Trim();
        var banner = scheme.FormatBanner(new Marking(clearance.Level, clearance.Caveats, null));
        await administration.EnsureRolesAsync();
        if (user is null)
        {
            user = new WorkbenchUser { UserName = entry.UserName, DisplayName = entry.DisplayName, Unit = unit, Clearance = clearance.Level, CaveatAuthorizations = caveats };
            var created = user;
            await audit.RunAuditedAsync(AuditEvent.For(actor, AuditActions.UserCreated, entry.UserName, AuditOutcomes.Success,
                new { source = "directory", dn = entry.Dn, roles, clearance = banner, unit }), async _ =>
                {
                    Check(await users.CreateAsync(created), entry.UserName);
                    Check(await users.AddClaimAsync(created, new Claim(DnClaim, entry.Dn)), entry.UserName);
                    Check(await users.AddToRolesAsync(created, roles), entry.UserName);
                });
            return new(DirectoryVerdict.Accepted, "created from the directory", user, entry.Dn);
        }
        var currentRoles = await users.GetRolesAsync(user);
        var rolesChanged = !currentRoles.Order().SequenceEqual(roles.Order());
        var clearanceChanged = user.Clearance != clearance.Level || user.CaveatAuthorizations != caveats;
        var unitChanged = user.Unit != unit;
        var nameChanged = user.DisplayName != entry.DisplayName;
        if (rolesChanged || clearanceChanged || unitChanged || nameChanged)
        {
            var before = new { roles = currentRoles.Order(StringComparer.Ordinal).ToList(), clearance = administration.FormatClearance(user), unit = user.Unit };
            var action = rolesChanged ? AuditActions.RolesChanged : clearanceChanged ? AuditActions.ClearanceChanged : AuditActions.UnitChanged;
            await audit.RunAuditedAsync(AuditEvent.For(actor, action, user.UserName, AuditOutcomes.Success,
                new { source = "directory", phase, dn = entry.Dn, from = before, to = new { roles, clearance = banner, unit } }), async _ =>
                {
                    user.Clearance = clearance.Level;
                    user.CaveatAuthorizations = caveats;
                    user.Unit = unit;
                    user.DisplayName = entry.DisplayName;
                    Check(await users.UpdateAsync(user), entry.UserName);
                    Check(await users.RemoveFromRolesAsync(user, currentRoles.Except(roles)), entry.UserName);
                    Check(await users.AddToRolesAsync(user, roles.Except(currentRoles)), entry.UserName);
                    // Open sessions and the next principal carry the new roles and clearance.
                    Check(await users.UpdateSecurityStampAsync(user), entry.UserName);
                });
        }
        return new(DirectoryVerdict.Accepted, "refreshed from the directory", user, entry.Dn);
    }

    private async Task<DirectoryResult> RefuseAsync(WorkbenchActor actor, string userName, string? dn, DirectoryVerdict verdict, string detail, string phase)
    {
        try
        {
            await audit.WriteAsync(AuditEvent.For(actor, AuditActions.DirectoryRefused, userName, AuditOutcomes.Denied,
                new { reason = verdict.ToString(), detail, dn, phase, directory = options.Value.Url }));
        }
        catch (AuditUnavailableException)
        {
            // The refusal stands whether or not it could be recorded.
        }
        return new(verdict, detail, null, dn);
    }

    private static void Check(IdentityResult result, string userName)
    {
        if (!result.Succeeded)
        {
            throw new UserAdministrationException($"Could not update the directory user '{userName}': {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
