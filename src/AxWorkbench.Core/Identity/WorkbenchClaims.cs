namespace AxWorkbench.Core.Identity;

/// <summary>Claim types the workbench adds to a signed-in user's principal.</summary>
public static class WorkbenchClaims
{
    public const string Clearance = "ax:clearance";
    public const string Caveats = "ax:caveats";
    public const string Unit = "ax:unit";
    public const string Nationality = "ax:nationality";
    public const string DisplayName = "ax:name";

    /// <summary>The sign-in session (one per login; at most N per user are kept, see the web host's session rules).</summary>
    public const string Session = "ax:sid";

    /// <summary>How the user proved who they are: "pwd" or "cert" (RFC 8176 names).</summary>
    public const string AuthenticationMethod = "amr";

    /// <summary>User claims (Identity's AspNetUserClaims) that map a client certificate to the user.</summary>
    public const string CertificateThumbprint = "ax:cert:thumbprint";
    public const string CertificateSubject = "ax:cert:subject";
    public const string CertificateUpn = "ax:cert:upn";
}
