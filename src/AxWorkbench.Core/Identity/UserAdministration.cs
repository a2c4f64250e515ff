using AxWorkbench.Core.Actors;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Identity;

/// <summary>A user operation was refused; the message says why in words an operator can act on.</summary>
public sealed class UserAdministrationException(string message) : Exception(message);

/// <summary>A certificate registration of a user: what identifies the certificate (<see cref="CertificateMatch"/>) and its value.</summary>
public sealed record RegisteredCertificate(CertificateMatch Match, string Value);

public sealed record UserSummary(string UserName, string DisplayName, string Unit, string Clearance, IReadOnlyList<string> Roles, bool Disabled, bool LockedOut);

/// <summary>
/// Creates and changes users: used by operator commands and the admin pages. Every change is written to
/// the audit log first (actor from <see cref="IAuditActorSource"/>); if the audit is unavailable the change
/// is refused with <see cref="AuditUnavailableException"/>.
/// </summary>
public sealed class UserAdministration(UserManager<WorkbenchUser> users, RoleManager<IdentityRole> roles, IMarkingScheme scheme, IAuditLog audit, IAuditActorSource actors)
{
    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }
    }

    /// <summary>Creates a user. <paramref name="clearance"/> is a banner line in the site's scheme, e.g. "SECRET//NOFORN" or "Ⅱ급비밀".</summary>
    public async Task<WorkbenchUser> AddAsync(string userName, string password, IEnumerable<string> roleNames, string clearance, string unit, string? displayName = null)
    {
        await EnsureRolesAsync();
        var normalizedRoles = NormalizeRoles(roleNames);
        var (level, caveats) = ParseClearance(clearance);
        if (await users.FindByNameAsync(userName) is not null)
        {
            throw new UserAdministrationException($"A user named '{userName}' already exists.");
        }
        var user = new WorkbenchUser
        {
            UserName = userName,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? userName : displayName,
            Unit = unit,
            Clearance = level,
            CaveatAuthorizations = string.Join(' ', caveats.Order(StringComparer.Ordinal)),
        };
        await AuditedAsync(AuditActions.UserCreated, userName,
            new { roles = normalizedRoles, clearance = FormatClearance(user), unit }, async () =>
            {
                Check(await users.CreateAsync(user, password), $"create user '{userName}'");
                Check(await users.AddToRolesAsync(user, normalizedRoles), $"add roles to '{userName}'");
            });
        return user;
    }

    public async Task<IReadOnlyList<UserSummary>> ListAsync()
    {
        var all = await users.Users.OrderBy(u => u.UserName).ToListAsync();
        var result = new List<UserSummary>(all.Count);
        foreach (var user in all)
        {
            result.Add(new UserSummary(user.UserName!, user.DisplayName, user.Unit, FormatClearance(user),
                [.. await users.GetRolesAsync(user)], user.IsDisabled, await users.IsLockedOutAsync(user)));
        }
        return result;
    }

    public async Task SetDisabledAsync(string userName, bool disabled)
    {
        var user = await FindAsync(userName);
        await AuditedAsync(disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled, userName, null, async () =>
        {
            user.IsDisabled = disabled;
            Check(await users.UpdateAsync(user), $"update '{userName}'");
            // A new security stamp ends the user's sessions at the next revalidation.
            Check(await users.UpdateSecurityStampAsync(user), $"update '{userName}'");
        });
    }

    public async Task SetRolesAsync(string userName, IEnumerable<string> roleNames)
    {
        await EnsureRolesAsync();
        var user = await FindAsync(userName);
        var wanted = NormalizeRoles(roleNames);
        var current = await users.GetRolesAsync(user);
        await AuditedAsync(AuditActions.RolesChanged, userName, new { from = current.Order(StringComparer.Ordinal).ToList(), to = wanted }, async () =>
        {
            Check(await users.RemoveFromRolesAsync(user, current.Except(wanted)), $"remove roles from '{userName}'");
            Check(await users.AddToRolesAsync(user, wanted.Except(current)), $"add roles to '{userName}'");
            Check(await users.UpdateSecurityStampAsync(user), $"update '{userName}'");
        });
    }

    public async Task SetClearanceAsync(string userName, string clearance)
    {
        var user = await FindAsync(userName);
        var (level, caveats) = ParseClearance(clearance);
        var before = FormatClearance(user);
        var after = scheme.FormatBanner(new Marking(level, caveats, null));
        await AuditedAsync(AuditActions.ClearanceChanged, userName, new { from = before, to = after }, async () =>
        {
            user.Clearance = level;
            user.CaveatAuthorizations = string.Join(' ', caveats.Order(StringComparer.Ordinal));
            Check(await users.UpdateAsync(user), $"update '{userName}'");
            Check(await users.UpdateSecurityStampAsync(user), $"update '{userName}'");
        });
    }

    /// <summary>Moves a user to another unit (review scope changes with it).</summary>
    public async Task SetUnitAsync(string userName, string unit)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            throw new UserAdministrationException("A unit name is required.");
        }
        var user = await FindAsync(userName);
        await AuditedAsync(AuditActions.UnitChanged, userName, new { from = user.Unit, to = unit.Trim() }, async () =>
        {
            user.Unit = unit.Trim();
            Check(await users.UpdateAsync(user), $"update '{userName}'");
            Check(await users.UpdateSecurityStampAsync(user), $"update '{userName}'");
        });
    }

    public async Task<string> ResetPasswordAsync(string userName, string? password = null)
    {
        var user = await FindAsync(userName);
        var newPassword = password ?? GeneratePassword();
        await AuditedAsync(AuditActions.PasswordReset, userName, new { generated = password is null }, async () =>
        {
            // No reset token: the operator acts directly (the CLI has no token providers). The new password is
            // validated first, so a refused password never leaves the account without one.
            foreach (var validator in users.PasswordValidators)
            {
                Check(await validator.ValidateAsync(users, user, newPassword), $"reset the password of '{userName}'");
            }
            Check(await users.RemovePasswordAsync(user), $"reset the password of '{userName}'");
            Check(await users.AddPasswordAsync(user, newPassword), $"reset the password of '{userName}'");
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
        });
        return newPassword;
    }

    public string FormatClearance(WorkbenchUser user) =>
        scheme.FormatBanner(new Marking(user.Clearance, user.CaveatSet, null));

    public (ClassificationLevel Level, IReadOnlySet<string> Caveats) ParseClearance(string clearance)
    {
        try
        {
            var marking = scheme.ParseBanner(clearance);
            return (marking.Level, marking.Caveats);
        }
        catch (MarkingFormatException ex)
        {
            throw new UserAdministrationException($"Clearance '{clearance}' is not a valid {scheme.Kind} marking: {ex.Message}");
        }
    }

    /// <summary>A random password: 16 characters from an unambiguous alphabet, with a lower-case letter, an upper-case letter and a digit.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        string random;
        do
        {
            random = RandomNumberGenerator.GetString(alphabet, 16);
        }
        while (!(random.Any(char.IsLower) && random.Any(char.IsUpper) && random.Any(char.IsDigit)));
        return "Ax-" + random;
    }

    /// <summary>
    /// Registers a client certificate for a user, by thumbprint, subject or UPN; the certificate logs in as that user once
    /// its chain, dates and revocation pass. A certificate already registered to someone else is refused.
    /// </summary>
    public async Task<string> AddCertificateAsync(string userName, X509Certificate2 certificate, CertificateMatch match)
    {
        var user = await FindAsync(userName);
        var claim = CertificateMapping.ClaimFor(certificate, match)
            ?? throw new UserAdministrationException($"The certificate '{certificate.Subject}' carries no user principal name (UPN); register it by thumbprint or subject.");
        foreach (var holder in await users.GetUsersForClaimAsync(claim))
        {
            throw new UserAdministrationException(holder.Id == user.Id
                ? $"This certificate is already registered to '{userName}' by {match}."
                : $"This certificate's {match} is already registered to '{holder.UserName}'.");
        }
        await AuditedAsync(AuditActions.CertificateAdded, userName,
            new { by = match.ToString(), value = claim.Value, subject = certificate.Subject, issuer = certificate.Issuer, thumbprint = CertificateMapping.Thumbprint(certificate) },
            async () =>
            {
                Check(await users.AddClaimAsync(user, claim), $"register a certificate for '{userName}'");
                // Open sessions pick the change up at their next revalidation.
                await users.UpdateSecurityStampAsync(user);
            });
        return $"{match}: {claim.Value}";
    }

    /// <summary>The certificates registered to a user (thumbprints, subjects and UPNs), in registration order.</summary>
    public async Task<IReadOnlyList<RegisteredCertificate>> ListCertificatesAsync(string userName)
    {
        var user = await FindAsync(userName);
        return [.. (await users.GetClaimsAsync(user)).Select(CertificateMapping.Registration).OfType<RegisteredCertificate>()];
    }

    /// <summary>
    /// Removes a certificate registration: <paramref name="value"/> is a thumbprint, subject or UPN as listed (thumbprints and
    /// UPNs compared without case). Open sessions signed in with it end at the next revalidation (new security stamp).
    /// </summary>
    public async Task<RegisteredCertificate> RemoveCertificateAsync(string userName, string value, CertificateMatch? match = null)
    {
        var user = await FindAsync(userName);
        var claims = (await users.GetClaimsAsync(user))
            .Select(c => (Claim: c, Registration: CertificateMapping.Registration(c)))
            .Where(r => r.Registration is { } reg && (match is null || reg.Match == match)
                && string.Equals(reg.Value, value.Trim(), reg.Match == CertificateMatch.Subject ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (claims.Count == 0)
        {
            throw new UserAdministrationException($"No certificate registered to '{userName}' matches '{value}'. Registered: " +
                (await ListCertificatesAsync(userName) is { Count: > 0 } all ? string.Join("; ", all.Select(c => $"{c.Match}: {c.Value}")) : "none") + ".");
        }
        var (claim, registration) = claims[0];
        await AuditedAsync(AuditActions.CertificateRemoved, userName, new { by = registration!.Match.ToString(), value = registration.Value }, async () =>
        {
            Check(await users.RemoveClaimAsync(user, claim), $"remove a certificate from '{userName}'");
            await users.UpdateSecurityStampAsync(user);
        });
        return registration;
    }

    /// <summary>Records the change, then makes it; refused when the audit cannot be written.</summary>
    private async Task AuditedAsync(string action, string target, object? details, Func<Task> change)
    {
        var actor = await actors.GetActorAsync();
        await audit.RunAuditedAsync(AuditEvent.For(actor, action, target, AuditOutcomes.Success, details), _ => change());
    }

    private async Task<WorkbenchUser> FindAsync(string userName) =>
        await users.FindByNameAsync(userName) ?? throw new UserAdministrationException($"No user named '{userName}'.");

    private static List<string> NormalizeRoles(IEnumerable<string> roleNames)
    {
        var result = new List<string>();
        foreach (var name in roleNames)
        {
            result.Add(Roles.Normalize(name)
                ?? throw new UserAdministrationException($"Unknown role '{name}'. Roles: {string.Join(", ", Roles.All)}."));
        }
        if (result.Count == 0)
        {
            throw new UserAdministrationException($"A user needs at least one role ({string.Join(", ", Roles.All)}).");
        }
        return [.. result.Distinct()];
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new UserAdministrationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
