using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Web.Security;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>The CRL reader against CRLs made by .NET's own CertificateRevocationListBuilder (ECDSA and RSA CAs).</summary>
public sealed class RevocationListTests
{
    private static X509Certificate2 Ca(string subject, AsymmetricAlgorithm key)
    {
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_ReadsIssuerDatesAndRevokedSerials_AndChecksTheSignature(bool rsa)
    {
        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Ca("CN=Test CA, O=Site", key);
        var serials = new[] { new byte[] { 0x01, 0x02, 0x03 }, new byte[] { 0x00, 0x9A, 0xBC } };
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in serials)
        {
            builder.AddEntry(serial, DateTimeOffset.UtcNow.AddHours(-1));
        }
        var nextUpdate = DateTimeOffset.UtcNow.AddDays(7);
        var der = builder.Build(ca, BigInteger.One, nextUpdate, rsa ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256, rsa ? RSASignaturePadding.Pkcs1 : null);

        var crl = RevocationList.Load(der);

        Assert.Equal(ca.SubjectName.Name, crl.Issuer.Name);
        Assert.Equal(["010203", "009ABC"], crl.RevokedSerials.Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(nextUpdate.ToUnixTimeSeconds(), crl.NextUpdate!.Value.ToUnixTimeSeconds());
        Assert.True(crl.IsSignedBy(ca));

        // Same name, another key: not the issuer.
        using AsymmetricAlgorithm otherKey = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var impostor = Ca("CN=Test CA, O=Site", otherKey);
        Assert.False(crl.IsSignedBy(impostor));
    }

    [Fact]
    public void Load_PemCrl_IsRead_AndGarbageIsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Ca("CN=Pem CA", key);
        var der = new CertificateRevocationListBuilder().Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
        var pem = System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", der));

        Assert.Empty(RevocationList.Load(pem).RevokedSerials);
        Assert.Throws<CryptographicException>(() => RevocationList.Load([0x30, 0x03, 0x02, 0x01]));
    }

    [Fact]
    public void Load_TamperedCrl_FailsTheSignatureCheck()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Ca("CN=Tamper CA", key);
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry([0x11, 0x22], DateTimeOffset.UtcNow);
        var der = builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
        var index = der.AsSpan().IndexOf(new byte[] { 0x02, 0x02, 0x11, 0x22 });
        der[index + 3] = 0x23; // the revoked serial changes from 1122 to 1123

        var crl = RevocationList.Load(der);

        Assert.Contains("1123", crl.RevokedSerials);
        Assert.False(crl.IsSignedBy(ca));
    }
}
