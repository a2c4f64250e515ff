using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Web.Security;

/// <summary>What a plain-HTTP request gets once HTTPS is on.</summary>
public enum HttpRequestPolicy
{
    /// <summary>A permanent redirect to the HTTPS address.</summary>
    Redirect,

    /// <summary>400 and a line saying the site takes HTTPS only (for a site that must not answer on HTTP at all, list no http:// address).</summary>
    Refuse,
}

/// <summary>
/// The site's TLS certificate (PFX, or PEM + key, from files) for every https:// address, HSTS, what HTTP gets, and
/// the certificate that encrypts the Data Protection keys at rest.
/// </summary>
public sealed class HttpsOptions
{
    public const string SectionName = "Security:Https";

    /// <summary>The server certificate: a .pfx/.p12 file, or a PEM certificate (with <see cref="KeyPath"/> or its key inside).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM certificate, when it is in a file of its own.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The PFX password or the encrypted PEM key's password (set it through the environment: Security__Https__Password).</summary>
    public string? Password { get; set; }

    public HttpRequestPolicy HttpRequests { get; set; } = HttpRequestPolicy.Redirect;

    /// <summary>The port plain-HTTP requests are redirected to (empty: the HTTPS address the server listens on).</summary>
    [Range(1, 65535, ErrorMessage = "Security:Https:HttpsPort must be a port number (1-65535).")]
    public int? HttpsPort { get; set; }

    [Range(1, 3650, ErrorMessage = "Security:Https:HstsMaxAgeDays must be between 1 and 3650.")]
    public int HstsMaxAgeDays { get; set; } = 365;

    /// <summary>A .pfx (with its private key) whose public key encrypts the Data Protection keys at rest (ProtectKeysWithCertificate).</summary>
    public string? DataProtectionCertificatePath { get; set; }

    public string? DataProtectionCertificatePassword { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
