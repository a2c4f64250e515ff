using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AxWorkbench.Core.Identity;

/// <summary>What of a client certificate identifies its workbench user.</summary>
public enum CertificateMatch
{
    /// <summary>This one certificate (SHA-256 of the certificate): a reissued card needs registering again.</summary>
    Thumbprint,

    /// <summary>The subject distinguished name: survives a reissue with the same name (the chain is always checked against the site's CAs).</summary>
    Subject,

    /// <summary>The user principal name in the subject alternative name (CAC/PIV, GPKI cards carry one).</summary>
    Upn,
}

/// <summary>A certificate's identities as user claims (stored in Identity's user claims, looked up at certificate login).</summary>
public static class CertificateMapping
{
    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public static string? Upn(X509Certificate2 certificate) =>
        certificate.GetNameInfo(X509NameType.UpnName, forIssuer: false) is { Length: > 0 } upn ? upn : null;

    /// <summary>The claim that registers <paramref name="certificate"/> by <paramref name="match"/>; null when it has no UPN to match on.</summary>
    public static Claim? ClaimFor(X509Certificate2 certificate, CertificateMatch match) => match switch
    {
        CertificateMatch.Thumbprint => new Claim(WorkbenchClaims.CertificateThumbprint, Thumbprint(certificate)),
        CertificateMatch.Subject => new Claim(WorkbenchClaims.CertificateSubject, certificate.SubjectName.Name),
        CertificateMatch.Upn => Upn(certificate) is { } upn ? new Claim(WorkbenchClaims.CertificateUpn, upn.ToUpperInvariant()) : null,
        _ => throw new ArgumentOutOfRangeException(nameof(match)),
    };

    /// <summary>The registration a user claim stands for; null for a claim that registers no certificate.</summary>
    public static RegisteredCertificate? Registration(Claim claim) => claim.Type switch
    {
        WorkbenchClaims.CertificateThumbprint => new(CertificateMatch.Thumbprint, claim.Value),
        WorkbenchClaims.CertificateSubject => new(CertificateMatch.Subject, claim.Value),
        WorkbenchClaims.CertificateUpn => new(CertificateMatch.Upn, claim.Value),
        _ => null,
    };

    /// <summary>The claims a presented certificate may be registered under, most specific first.</summary>
    public static IEnumerable<Claim> Candidates(X509Certificate2 certificate) =>
        new[] { CertificateMatch.Thumbprint, CertificateMatch.Upn, CertificateMatch.Subject }
            .Select(match => ClaimFor(certificate, match)).OfType<Claim>();
}
