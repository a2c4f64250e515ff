using AxWorkbench.E2E.Infrastructure;

namespace AxWorkbench.E2E.Security;

/// <summary>
/// A second app with a site's security settings: a short idle lock, two sessions per user and the site's own
/// consent text (the main fixture keeps the defaults, whose 15-minute idle lock never fires in a test).
/// </summary>
public sealed class SecureSiteFixture() : WorkbenchFixture(new WorkbenchAppFactory(Settings))
{
    public const int IdleLockSeconds = 4;
    public const string SiteNoticeEnglish = "E2E SITE NOTICE: this test network is monitored.";
    public const string SiteNoticeKorean = "E2E 사이트 고지: 이 시험망은 감시됩니다.";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Security:Session:IdleLockSeconds"] = IdleLockSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Security:Session:MaxConcurrentSessions"] = "2",
        ["Security:Consent:TextEnglish"] = SiteNoticeEnglish,
        ["Security:Consent:TextKorean"] = SiteNoticeKorean,
    };
}

[CollectionDefinition(Name)]
public sealed class SecureSiteCollection : ICollectionFixture<SecureSiteFixture>
{
    public const string Name = "Secure site app in Chromium";
}
