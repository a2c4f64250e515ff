using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

[Collection(SecureSiteCollection.Name)]
public sealed class SiteConsentTests(SecureSiteFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task Consent_ShowsTheSitesOwnNotice_InEnglishAndInKorean()
    {
        await Page.GotoAsync("/account/login");
        await Expect(Login.ConsentText).ToHaveTextAsync(SecureSiteFixture.SiteNoticeEnglish);

        await Page.GotoAsync("/culture/set?culture=ko-KR&redirectUri=/account/login");
        await Expect(Login.ConsentText).ToHaveTextAsync(SecureSiteFixture.SiteNoticeKorean);
    }
}
