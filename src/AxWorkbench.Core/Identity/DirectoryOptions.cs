using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Core.Actors;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Identity;

public enum DirectoryTransport
{
    /// <summary>TLS from the first byte (ldaps://, port 636 by default).</summary>
    Ldaps,

    /// <summary>ldap:// upgraded with the StartTLS extended operation before anything is sent (port 389 by default).</summary>
    StartTls,
}

/// <summary>A directory group whose members get a workbench role.</summary>
public sealed class DirectoryGroupRole
{
    /// <summary>The group's distinguished name, e.g. cn=analysts,ou=groups,dc=site,dc=mil.</summary>
    public string Group { get; set; } = "";

    /// <summary>Analyst, Supervisor or Admin.</summary>
    public string Role { get; set; } = "";
}

/// <summary>
/// The site's directory (LDAP / Active Directory): users are found with a search account, their password is checked by
/// binding AS the user, groups become roles, and the clearance and unit come from attributes of the user's entry. Always
/// over TLS (LDAPS or StartTLS), trusting the CA bundle file when one is named.
/// </summary>
public sealed class DirectoryOptions
{
    public const string SectionName = "Security:Directory";

    public bool Enabled { get; set; }

    /// <summary>Host name (or address) as the directory's certificate names it.</summary>
    public string Server { get; set; } = "";

    /// <summary>0: the transport's default (636 for LDAPS, 389 for StartTLS).</summary>
    public int Port { get; set; }

    public DirectoryTransport Security { get; set; } = DirectoryTransport.Ldaps;

    /// <summary>PEM file of the CA certificates that sign the directory's certificate; empty: the system's trust store.</summary>
    public string? CaBundle { get; set; }

    /// <summary>The search account (reads users and groups; never used to check a password).</summary>
    public string BindDn { get; set; } = "";

    /// <summary>File holding the search account's password (one line; keep it readable by the service only).</summary>
    public string BindPasswordFile { get; set; } = "";

    public string UserSearchBase { get; set; } = "";

    /// <summary>Finds one user by the name typed at login ({0}, escaped).</summary>
    public string UserFilter { get; set; } = "(&(objectClass=inetOrgPerson)(uid={0}))";

    /// <summary>The attribute that is the workbench user name (uid; sAMAccountName on Active Directory).</summary>
    public string UserNameAttribute { get; set; } = "uid";

    public string DisplayNameAttribute { get; set; } = "cn";

    /// <summary>Where groups are searched; empty: the user search base.</summary>
    public string? GroupSearchBase { get; set; }

    /// <summary>The groups a user belongs to ({0}: the user's DN, escaped). On AD, member:1.2.840.113556.1.4.1941: follows nesting.</summary>
    public string GroupFilter { get; set; } = "(&(objectClass=groupOfNames)(member={0}))";

    public List<DirectoryGroupRole> GroupRoles { get; set; } = [];

    /// <summary>The attribute holding the clearance as a banner line of the site's marking scheme (e.g. "SECRET//NOFORN").</summary>
    public string ClearanceAttribute { get; set; } = "";

    /// <summary>The attribute holding the user's unit.</summary>
    public string UnitAttribute { get; set; } = "";

    /// <summary>
    /// A filter that matches the user's entry when the account is disabled (checked at login and every revalidation);
    /// e.g. (userAccountControl:1.2.840.113556.1.4.803:=2) on AD, (pwdAccountLockedTime=*) with OpenLDAP's ppolicy.
    /// Empty: the directory's own refusal of the user's bind is the only check.
    /// </summary>
    public string? DisabledFilter { get; set; }

    /// <summary>Connect, bind and search limit, seconds.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>While the directory is on, local (non-directory) accounts sign in only when they are administrators (break-glass).</summary>
    public bool LocalAccountsAdminsOnly { get; set; } = true;

    public int EffectivePort => Port > 0 ? Port : Security == DirectoryTransport.Ldaps ? 636 : 389;

    public string Url => $"{(Security == DirectoryTransport.Ldaps ? "ldaps" : "ldap")}://{Server}:{EffectivePort}";

    /// <summary>The role a group DN maps to, comparing DNs without case and without spaces after separators.</summary>
    public IReadOnlyList<string> RolesFor(IEnumerable<string> groupDns)
    {
        var groups = groupDns.Select(NormalizeDn).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. GroupRoles.Where(m => groups.Contains(NormalizeDn(m.Group))).Select(m => Roles.Normalize(m.Role)!).Distinct()];
    }

    public static string NormalizeDn(string dn) =>
        string.Join(',', dn.Split(',').Select(part => string.Join('=', part.Split('=').Select(p => p.Trim()))));
}

/// <summary>Start-up checks of <see cref="DirectoryOptions"/>: each message names the setting.</summary>
public sealed class DirectoryOptionsValidator : IValidateOptions<DirectoryOptions>
{
    public ValidateOptionsResult Validate(string? name, DirectoryOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        const string S = DirectoryOptions.SectionName;
        var errors = new List<string>();
        void Require(string value, string setting, string example)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{S}:{setting} is required when {S}:Enabled is true (e.g. {example}).");
            }
        }
        Require(options.Server, "Server", "dc1.site.mil");
        Require(options.BindDn, "BindDn", "cn=workbench,ou=services,dc=site,dc=mil");
        Require(options.BindPasswordFile, "BindPasswordFile", "/etc/axworkbench/ldap-bind.secret");
        Require(options.UserSearchBase, "UserSearchBase", "ou=people,dc=site,dc=mil");
        Require(options.ClearanceAttribute, "ClearanceAttribute", "employeeType");
        Require(options.UnitAttribute, "UnitAttribute", "departmentNumber");
        Require(options.UserNameAttribute, "UserNameAttribute", "uid");
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"{S}:Port must be between 1 and 65535 (0: the default for {S}:Security).");
        }
        if (options.TimeoutSeconds is < 1 or > 120)
        {
            errors.Add($"{S}:TimeoutSeconds must be between 1 and 120.");
        }
        if (!options.UserFilter.Contains("{0}", StringComparison.Ordinal))
        {
            errors.Add($"{S}:UserFilter must contain {{0}} where the typed user name goes, e.g. (&(objectClass=inetOrgPerson)(uid={{0}})).");
        }
        if (!options.GroupFilter.Contains("{0}", StringComparison.Ordinal))
        {
            errors.Add($"{S}:GroupFilter must contain {{0}} where the user's DN goes, e.g. (&(objectClass=groupOfNames)(member={{0}})).");
        }
        if (options.GroupRoles.Count == 0)
        {
            errors.Add($"{S}:GroupRoles is empty: map at least one group to a role ({string.Join(", ", Roles.All)}), or nobody from the directory can sign in.");
        }
        for (var i = 0; i < options.GroupRoles.Count; i++)
        {
            var map = options.GroupRoles[i];
            if (string.IsNullOrWhiteSpace(map.Group) || !map.Group.Contains('=', StringComparison.Ordinal))
            {
                errors.Add($"{S}:GroupRoles:{i}:Group must be a group's distinguished name (got '{map.Group}').");
            }
            if (Roles.Normalize(map.Role) is null)
            {
                errors.Add($"{S}:GroupRoles:{i}:Role '{map.Role}' is not a role ({string.Join(", ", Roles.All)}).");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.BindPasswordFile))
        {
            try
            {
                if (string.IsNullOrWhiteSpace(File.ReadAllText(options.BindPasswordFile)))
                {
                    errors.Add($"{S}:BindPasswordFile '{options.BindPasswordFile}' is empty.");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{S}:BindPasswordFile '{options.BindPasswordFile}' cannot be read: {ex.Message}");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.CaBundle))
        {
            try
            {
                var bundle = new X509Certificate2Collection();
                bundle.ImportFromPemFile(options.CaBundle);
                if (bundle.Count == 0)
                {
                    errors.Add($"{S}:CaBundle '{options.CaBundle}' holds no PEM certificate.");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                errors.Add($"{S}:CaBundle '{options.CaBundle}' cannot be read as PEM certificates: {ex.Message}");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
