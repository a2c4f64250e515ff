using System.DirectoryServices.Protocols;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Identity;

/// <summary>The directory could not be asked (down, unreachable, TLS refused, search account refused).</summary>
public sealed class DirectoryUnavailableException(string url, string detail, Exception? inner = null)
    : Exception($"The directory {url} cannot be reached: {detail}", inner)
{
    public string Url { get; } = url;

    public string Detail { get; } = detail;
}

/// <summary>A user's entry as the workbench reads it.</summary>
public sealed record DirectoryEntry(
    string Dn, string UserName, string DisplayName, string? Clearance, string? Unit, IReadOnlyList<string> Groups, bool Disabled);

/// <summary>
/// LDAP through System.DirectoryServices.Protocols (libldap on Linux): one TLS connection per operation, bound as the
/// search account to read entries and as the user to check a password. Blocking calls run on the thread pool, each
/// bounded by <see cref="DirectoryOptions.TimeoutSeconds"/>.
/// </summary>
public sealed class DirectoryClient(IOptions<DirectoryOptions> options)
{
    private const int InvalidCredentials = 49;
    private readonly Lazy<string?> _trustDirectory = new(() => WriteTrustDirectory(options.Value));

    public string Url => options.Value.Url;

    /// <summary>Finds the entry for a typed user name; null when there is none (or more than one).</summary>
    public Task<DirectoryEntry?> FindAsync(string userName, CancellationToken cancellationToken = default) =>
        RunAsync(() =>
        {
            var settings = options.Value;
            using var connection = ServiceConnection();
            var filter = string.Format(System.Globalization.CultureInfo.InvariantCulture, settings.UserFilter, EscapeFilter(userName));
            var found = Search(connection, settings.UserSearchBase, filter, SearchScope.Subtree,
                settings.UserNameAttribute, settings.DisplayNameAttribute, settings.ClearanceAttribute, settings.UnitAttribute);
            if (found.Count != 1)
            {
                return null;
            }
            var entry = found[0];
            var groupFilter = string.Format(System.Globalization.CultureInfo.InvariantCulture, settings.GroupFilter, EscapeFilter(entry.DistinguishedName));
            var groups = Search(connection, string.IsNullOrWhiteSpace(settings.GroupSearchBase) ? settings.UserSearchBase : settings.GroupSearchBase,
                groupFilter, SearchScope.Subtree, "cn").Select(g => g.DistinguishedName).ToList();
            var disabled = !string.IsNullOrWhiteSpace(settings.DisabledFilter)
                && Search(connection, entry.DistinguishedName, settings.DisabledFilter, SearchScope.Base, "cn").Count > 0;
            return new DirectoryEntry(
                entry.DistinguishedName,
                Value(entry, settings.UserNameAttribute) ?? userName,
                Value(entry, settings.DisplayNameAttribute) ?? userName,
                Value(entry, settings.ClearanceAttribute),
                Value(entry, settings.UnitAttribute),
                groups,
                disabled);
        }, cancellationToken);

    /// <summary>Binds as the user: true when the directory accepts the password, false when it refuses it.</summary>
    public Task<bool> CheckPasswordAsync(string dn, string password, CancellationToken cancellationToken = default)
    {
        // An empty password is an unauthenticated bind (RFC 4513 5.1.2) that some servers accept: never a login.
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(false);
        }
        return RunAsync(() =>
        {
            using var connection = Connect();
            try
            {
                connection.Bind(new NetworkCredential(dn, password));
                return true;
            }
            catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
            {
                return false;
            }
        }, cancellationToken);
    }

    private LdapConnection ServiceConnection()
    {
        var settings = options.Value;
        var connection = Connect();
        try
        {
            connection.Bind(new NetworkCredential(settings.BindDn, File.ReadAllText(settings.BindPasswordFile).Trim()));
            return connection;
        }
        catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
        {
            connection.Dispose();
            throw new DirectoryUnavailableException(settings.Url,
                $"it refused the search account {settings.BindDn} (check {DirectoryOptions.SectionName}:BindDn and BindPasswordFile)", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private LdapConnection Connect()
    {
        var settings = options.Value;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(settings.Server, settings.EffectivePort, true, false))
        {
            AuthType = AuthType.Basic,
            Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
        };
        try
        {
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (_trustDirectory.Value is { } trust && !OperatingSystem.IsWindows())
            {
                connection.SessionOptions.TrustedCertificatesDirectory = trust;
                connection.SessionOptions.StartNewTlsSessionContext();
            }
            if (settings.Security == DirectoryTransport.Ldaps)
            {
                connection.SessionOptions.SecureSocketLayer = true;
            }
            else
            {
                // libldap gets its address at the first bind (System.DirectoryServices.Protocols on Linux), so StartTLS
                // needs an open connection: an anonymous bind opens it (nothing secret is sent), TLS starts, and the
                // real bind that follows travels inside TLS. A failed TLS start throws; nothing falls back to clear text.
                connection.AuthType = AuthType.Anonymous;
                connection.Bind();
                connection.SessionOptions.StartTransportLayerSecurity(null);
                connection.AuthType = AuthType.Basic;
            }
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static List<SearchResultEntry> Search(LdapConnection connection, string searchBase, string filter, SearchScope scope, params string[] attributes)
    {
        var request = new SearchRequest(searchBase, filter, scope, attributes.Where(a => !string.IsNullOrWhiteSpace(a)).Distinct().ToArray()) { SizeLimit = 500 };
        var response = (SearchResponse)connection.SendRequest(request);
        return [.. response.Entries.Cast<SearchResultEntry>()];
    }

    private static string? Value(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) && entry.Attributes[attribute].GetValues(typeof(string)) is [string first, ..] ? first : null;

    private async Task<T> RunAsync<T>(Func<T> operation, CancellationToken cancellationToken)
    {
        var url = options.Value.Url;
        try
        {
            return await Task.Run(operation, cancellationToken).WaitAsync(TimeSpan.FromSeconds(options.Value.TimeoutSeconds + 5), cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new DirectoryUnavailableException(url, $"no answer within {options.Value.TimeoutSeconds} s", ex);
        }
        catch (LdapException ex)
        {
            throw new DirectoryUnavailableException(url, $"{ex.Message} (LDAP {ex.ErrorCode}{(ex.ServerErrorMessage is { Length: > 0 } s ? ": " + s : "")})", ex);
        }
        catch (DirectoryOperationException ex)
        {
            throw new DirectoryUnavailableException(url, $"a search failed: {ex.Message}", ex);
        }
        catch (DirectoryException ex)
        {
            throw new DirectoryUnavailableException(url, ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new DirectoryUnavailableException(url, $"the search account's password file cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>RFC 4515 escaping of a value placed in a filter.</summary>
    public static string EscapeFilter(string value)
    {
        var result = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            result.Append(c switch
            {
                '\\' => @"\5c",
                '*' => @"\2a",
                '(' => @"\28",
                ')' => @"\29",
                '\0' => @"\00",
                _ => c.ToString(),
            });
        }
        return result.ToString();
    }

    /// <summary>
    /// libldap trusts a directory of PEM files, not a bundle: each CA of the bundle is written to a private folder of its
    /// own (GnuTLS-linked libldap, Debian's, reads every file in it).
    /// </summary>
    private static string? WriteTrustDirectory(DirectoryOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.CaBundle))
        {
            return null;
        }
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(settings.CaBundle);
        var folder = Path.Combine(Path.GetTempPath(), "axwb-ldap-trust-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        for (var i = 0; i < bundle.Count; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"ca-{i}.pem"), bundle[i].ExportCertificatePem());
        }
        return folder;
    }
}
