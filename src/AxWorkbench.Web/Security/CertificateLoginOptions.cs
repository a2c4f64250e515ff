namespace AxWorkbench.Web.Security;

public enum LoginMode
{
    PasswordOnly,
    CertificateOrPassword,
    CertificateOnly,
}

/// <summary>Client-certificate (PKI/CAC) login: the site's CAs and CRLs from files, never an online lookup.</summary>
public sealed class CertificateLoginOptions
{
    public const string SectionName = "Security:Certificates";

    public LoginMode Mode { get; set; } = LoginMode.PasswordOnly;

    /// <summary>PEM bundle of the site's root and intermediate CAs; only chains that end at one of its roots are accepted.</summary>
    public string? CaBundlePath { get; set; }

    /// <summary>Folder of CRL files (.crl, DER or PEM) that operators refresh; read again whenever a file in it changes.</summary>
    public string? CrlDirectory { get; set; }

    /// <summary>Refuse a certificate whose issuer has no current CRL in the folder (status unknown). Off only for a test bed.</summary>
    public bool RequireCrl { get; set; } = true;

    /// <summary>Whom to ask when a valid certificate is not registered (shown on that page).</summary>
    public string HelpContact { get; set; } = "the workbench administrator or your security office";

    public bool Enabled => Mode != LoginMode.PasswordOnly;
}
