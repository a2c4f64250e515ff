using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Core.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>The directory client over LDAPS against the test slapd: it trusts the configured CA bundle and nothing else.</summary>
[Collection(LdapCollection.Name)]
public sealed class LdapClientTests : IDisposable
{
    private readonly LdapDirectory _directory = LdapDirectory.FromEnvironment();
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("axwb-ldap-client-").FullName;

    private DirectoryClient Client(string caBundle, DirectoryTransport transport = DirectoryTransport.Ldaps) => new(Options.Create(new DirectoryOptions
    {
        Enabled = true,
        Server = _directory.LdapsUrl.Host,
        Port = transport == DirectoryTransport.Ldaps ? _directory.LdapsUrl.Port : _directory.Url.Port,
        Security = transport,
        CaBundle = caBundle,
        BindDn = _directory.BindDn,
        BindPasswordFile = _directory.BindPasswordFile,
        UserSearchBase = _directory.People,
        GroupSearchBase = "ou=groups," + _directory.BaseDn,
        ClearanceAttribute = "employeeType",
        UnitAttribute = "departmentNumber",
        DisabledFilter = "(shadowExpire=0)",
        TimeoutSeconds = 5,
    }));

    [Fact]
    public async Task LdapClient_Ldaps_WithTheSiteCa_ReadsTheEntryGroupsAndDisabledState()
    {
        var client = Client(_directory.CaFile);

        var ana = await client.FindAsync("ana");
        var gone = await client.FindAsync("gone");
        var injected = await client.FindAsync("*");

        Assert.NotNull(ana);
        Assert.Equal(_directory.Person("ana"), ana.Dn);
        Assert.Equal("SECRET", ana.Clearance);
        Assert.Equal("1st Analysis Unit", ana.Unit);
        Assert.Contains(_directory.Group("analysts"), ana.Groups);
        Assert.False(ana.Disabled);
        Assert.True(gone!.Disabled);
        Assert.Null(injected); // a typed '*' is escaped, never a wildcard
        Assert.True(await client.CheckPasswordAsync(ana.Dn, _directory.UserPassword));
        Assert.False(await client.CheckPasswordAsync(ana.Dn, _directory.UserPassword + "x"));
        Assert.False(await client.CheckPasswordAsync(ana.Dn, ""));
    }

    [Fact]
    public async Task LdapClient_StartTls_WithTheSiteCa_ChecksThePassword()
    {
        var client = Client(_directory.CaFile, DirectoryTransport.StartTls);

        var sup = await client.FindAsync("sup");

        Assert.Contains(_directory.Group("supervisors"), sup!.Groups);
        Assert.True(await client.CheckPasswordAsync(sup.Dn, _directory.UserPassword));
    }

    [Fact]
    public async Task LdapClient_Ldaps_WithAnotherCa_RefusesTheServerCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Some Other CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var bundle = Path.Combine(_folder, "other-ca.pem");
        await File.WriteAllTextAsync(bundle, other.ExportCertificatePem());

        var refused = await Assert.ThrowsAsync<DirectoryUnavailableException>(() => Client(bundle).FindAsync("ana"));

        Assert.StartsWith($"The directory ldaps://{_directory.LdapsUrl.Host}:{_directory.LdapsUrl.Port} cannot be reached", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => System.IO.Directory.Delete(_folder, recursive: true);
}
