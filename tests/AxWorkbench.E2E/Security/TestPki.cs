using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AxWorkbench.E2E.Security;

/// <summary>
/// A site PKI made by the test: root CA, issuing (intermediate) CA, the server's TLS certificate, a Data Protection
/// certificate, user certificates (valid, revoked, expired, unmapped, from another CA), the CA bundle and a CRL folder.
/// </summary>
public sealed class TestPki
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private TestPki(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaBundlePath => Path.Combine(Directory, "ca-bundle.pem");

    public string CrlDirectory => Path.Combine(Directory, "crls");

    public string ServerPfxPath => Path.Combine(Directory, "server.pfx");

    public string DataProtectionPfxPath => Path.Combine(Directory, "keys.pfx");

    public const string PfxPassword = "E2e-Pfx-Password-2026!";

    public required X509Certificate2 Root { get; init; }

    public required X509Certificate2 Issuing { get; init; }

    /// <summary>User certificates by name: alice, bob, carol (UPNs name@site.test), revoked, expired, unmapped, foreign (alice's name, another CA).</summary>
    public required IReadOnlyDictionary<string, X509Certificate2> Users { get; init; }

    public string CertPath(string user) => Path.Combine(Directory, user + ".crt");

    public string KeyPath(string user) => Path.Combine(Directory, user + ".key");

    public static TestPki Create(string directory)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "crls"));
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var root = Ca("CN=AxWorkbench E2E Root CA, O=E2E", rootKey, null, null, now.AddDays(-30), now.AddYears(5), pathLength: 1);
        using var issuingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuing = Ca("CN=AxWorkbench E2E Issuing CA, O=E2E", issuingKey, root, rootKey, now.AddDays(-20), now.AddYears(4), pathLength: 0);
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreignRoot = Ca("CN=Some Other Root CA, O=Elsewhere", foreignKey, null, null, now.AddDays(-30), now.AddYears(5), pathLength: 0);

        var users = new Dictionary<string, X509Certificate2>
        {
            ["alice"] = Leaf("CN=Alice Analyst, OU=1st Intelligence Battalion, O=E2E", "alice@site.test", issuing, now.AddDays(-1), now.AddYears(1)),
            ["carol"] = Leaf("CN=Carol Analyst, OU=2nd Intelligence Battalion, O=E2E", "carol@site.test", issuing, now.AddDays(-1), now.AddYears(1)),
            ["bob"] = Leaf("CN=Bob Analyst, OU=1st Intelligence Battalion, O=E2E", "bob@site.test", issuing, now.AddDays(-1), now.AddYears(1)),
            ["revoked"] = Leaf("CN=Revoked Analyst, O=E2E", "revoked@site.test", issuing, now.AddDays(-1), now.AddYears(1)),
            ["expired"] = Leaf("CN=Expired Analyst, O=E2E", "expired@site.test", issuing, now.AddDays(-10), now.AddDays(-1)),
            ["unmapped"] = Leaf("CN=Unregistered Analyst, O=E2E", "unregistered@site.test", issuing, now.AddDays(-1), now.AddYears(1)),
            ["foreign"] = Leaf("CN=Alice Analyst, OU=1st Intelligence Battalion, O=E2E", "alice@site.test", foreignRoot, now.AddDays(-1), now.AddYears(1)),
        };
        var pki = new TestPki(directory) { Root = root, Issuing = issuing, Users = users };
        foreach (var (name, certificate) in users)
        {
            File.WriteAllText(pki.CertPath(name), certificate.ExportCertificatePem());
            using var key = certificate.GetECDsaPrivateKey()!;
            File.WriteAllText(pki.KeyPath(name), key.ExportPkcs8PrivateKeyPem());
        }
        File.WriteAllText(pki.CaBundlePath, root.ExportCertificatePem() + "\n" + issuing.ExportCertificatePem() + "\n");

        // CRLs: the root revokes nothing; the issuing CA revokes "revoked".
        var rootCrl = new CertificateRevocationListBuilder();
        File.WriteAllBytes(Path.Combine(pki.CrlDirectory, "root.crl"), rootCrl.Build(root, BigInteger.One, now.AddDays(7), HashAlgorithmName.SHA256));
        var issuingCrl = new CertificateRevocationListBuilder();
        issuingCrl.AddEntry(users["revoked"], now.AddMinutes(-5), X509RevocationReason.KeyCompromise);
        File.WriteAllBytes(Path.Combine(pki.CrlDirectory, "issuing.crl"), issuingCrl.Build(issuing, BigInteger.One, now.AddDays(7), HashAlgorithmName.SHA256));

        // The server's TLS certificate (issued by the site CA) and an RSA certificate for the Data Protection keys.
        var server = ServerCertificate(issuing, now);
        File.WriteAllBytes(pki.ServerPfxPath, server.Export(X509ContentType.Pfx, PfxPassword));
        using var rsa = RSA.Create(2048);
        var keysRequest = new CertificateRequest("CN=AxWorkbench E2E key encryption", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        keysRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, false));
        using var keys = keysRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        File.WriteAllBytes(pki.DataProtectionPfxPath, keys.Export(X509ContentType.Pfx, PfxPassword));
        return pki;
    }

    private static X509Certificate2 Ca(string subject, ECDsa key, X509Certificate2? issuer, ECDsa? issuerKey, DateTimeOffset from, DateTimeOffset to, int pathLength)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(from, to);
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, from, to, RandomSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Leaf(string subject, string upn, X509Certificate2 issuer, DateTimeOffset from, DateTimeOffset to)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuth], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUserPrincipalName(upn);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, from, to, RandomSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 ServerCertificate(X509Certificate2 issuer, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(issuer, now.AddDays(-1), now.AddYears(1), RandomSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F; // positive
        return serial;
    }
}
