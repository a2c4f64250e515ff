using AxWorkbench.E2E.Infrastructure;

namespace AxWorkbench.E2E.Security;

/// <summary>
/// A second app set up as an accredited site: HTTPS with the site's certificate (and HTTP redirected), Data Protection
/// keys encrypted with a certificate, certificate-or-password login against a test PKI, a short idle lock, two sessions
/// per user and the site's own consent text. (The main fixture keeps the defaults, whose 15-minute idle lock never
/// fires in a test.)
/// </summary>
public sealed class SecureSiteFixture() : WorkbenchFixture(new WorkbenchAppFactory(Settings, https: true))
{
    public const int IdleLockSeconds = 4;
    public const string SiteNoticeEnglish = "E2E SITE NOTICE: this test network is monitored.";
    public const string SiteNoticeKorean = "E2E 사이트 고지: 이 시험망은 감시됩니다.";
    public const string HelpContact = "the E2E security office (ext. 4417)";

    public static TestPki Pki { get; } = TestPki.Create(Path.Combine(Path.GetTempPath(), "axworkbench-e2e-pki-" + Guid.NewGuid().ToString("N")));

    private static Dictionary<string, string?> Settings => new()
    {
        ["Security:Session:IdleLockSeconds"] = IdleLockSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Security:Session:MaxConcurrentSessions"] = "2",
        ["Security:Consent:TextEnglish"] = SiteNoticeEnglish,
        ["Security:Consent:TextKorean"] = SiteNoticeKorean,
        ["Security:Https:CertificatePath"] = Pki.ServerPfxPath,
        ["Security:Https:Password"] = TestPki.PfxPassword,
        ["Security:Https:DataProtectionCertificatePath"] = Pki.DataProtectionPfxPath,
        ["Security:Https:DataProtectionCertificatePassword"] = TestPki.PfxPassword,
        ["Security:Certificates:Mode"] = "CertificateOrPassword",
        ["Security:Certificates:CaBundlePath"] = Pki.CaBundlePath,
        ["Security:Certificates:CrlDirectory"] = Pki.CrlDirectory,
        ["Security:Certificates:HelpContact"] = HelpContact,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(Pki.Directory))
        {
            Directory.Delete(Pki.Directory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecureSiteCollection : ICollectionFixture<SecureSiteFixture>
{
    public const string Name = "Secure site app in Chromium";
}
