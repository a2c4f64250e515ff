using System.Text.RegularExpressions;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Identity;
using AxWorkbench.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

/// <summary>Certificate (PKI/CAC) login over TLS with the browser's client certificate, against the test PKI.</summary>
[Collection(SecureSiteCollection.Name)]
public sealed class CertificateLoginTests(SecureSiteFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private static TestPki Pki => SecureSiteFixture.Pki;

    [Theory]
    [InlineData("alice", CertificateMatch.Thumbprint)]
    [InlineData("bob", CertificateMatch.Upn)]
    public async Task Certificate_Registered_SignsInOverTls_AndTheLoginIsAuditedWithSubjectIssuerAndThumbprint(string user, CertificateMatch match)
    {
        var userName = "e2e-cert-" + user;
        await Fixture.AddUserAsync(userName, "Cert-User-Password-2026!", Roles.Analyst, "SECRET");
        await using (var scope = Fixture.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdministration>().AddCertificateAsync(userName, Pki.Users[user], match);
        }

        var page = await CertificatePageAsync(user);
        await page.Locator("#certificate-login").ClickAsync();
        await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(userName);

        var login = Assert.Single(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.Login, userName), r => r.Target == userName);
        Assert.Contains("\"cert\"", login.Details, StringComparison.Ordinal);
        Assert.Contains(CertificateMapping.Thumbprint(Pki.Users[user]), login.Details, StringComparison.Ordinal);
        Assert.Contains("E2E Issuing CA", login.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_RegisteredBySubjectInTheAdminUi_SignsIn()
    {
        const string userName = "e2e-cert-carol";
        await Fixture.AddUserAsync(userName, "Cert-User-Password-2026!", Roles.Analyst, "SECRET");
        await LogInAsync("admin");
        await Page.GotoAsync("/admin/users");
        await Shell.WaitUntilInteractiveAsync();
        await Page.GetByTestId("users-row").Filter(new() { HasText = userName }).Locator("xpath=..").GetByTestId("users-certificate").ClickAsync();
        await Page.GetByTestId("certificate-file").SetInputFilesAsync(Pki.CertPath("carol"));
        await Expect(Page.GetByTestId("certificate-read")).ToContainTextAsync("Carol Analyst");
        await Page.GetByTestId("certificate-match").ClickAsync();
        await Page.GetByRole(AriaRole.Option, new() { Name = "Subject" }).ClickAsync();
        await Page.GetByTestId("certificate-register").ClickAsync();
        await Expect(Page.GetByTestId("users-message")).ToContainTextAsync("Subject: CN=Carol Analyst");

        var page = await CertificatePageAsync("carol");
        await page.Locator("#certificate-login").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(userName);
        Assert.Contains(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.CertificateAdded, userName), r => r.Actor.Contains("admin", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("foreign", "Untrusted")]
    [InlineData("revoked", "Revoked")]
    [InlineData("expired", "Expired")]
    [InlineData("unmapped", "Unmapped")]
    public async Task Certificate_Refused_ShowsItsPage_AndIsAudited(string user, string reason)
    {
        var page = await CertificatePageAsync(user);
        await page.Locator("#certificate-login").ClickAsync();
        var refused = page.GetByTestId("certificate-refused");
        await Expect(refused).ToHaveAttributeAsync("data-reason", reason);
        await Expect(page).ToHaveURLAsync(new Regex("/account/certificate"));
        var thumbprint = CertificateMapping.Thumbprint(Pki.Users[user]);
        await Expect(page.GetByTestId("certificate-thumbprint")).ToHaveTextAsync(thumbprint);
        if (reason == "Unmapped")
        {
            await Expect(refused).ToContainTextAsync(SecureSiteFixture.HelpContact);
        }
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "AxWorkbench.Auth");

        var record = Assert.Single(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.CertificateRefused, thumbprint));
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Contains($"\"reason\":\"{reason}\"", record.Details, StringComparison.Ordinal);
        Assert.Contains(Pki.Users[user].Issuer, record.Details, StringComparison.Ordinal);
        Assert.Equal(Pki.Users[user].Subject, record.Target);
    }

    [Fact]
    public async Task Certificate_NotPresented_SaysSo_AndPasswordLoginStillWorks()
    {
        await Page.GotoAsync("/account/login");
        await AcceptConsentIfShownAsync();
        await ReplacingDocumentAsync(() => Page.Locator("#certificate-login").ClickAsync());
        await Expect(Page.GetByTestId("certificate-refused")).ToHaveAttributeAsync("data-reason", "NoCertificate");

        await LogInAsync("analyst");
        Assert.StartsWith("https://", Page.Url, StringComparison.Ordinal);
    }

    /// <summary>A browser context that presents <paramref name="user"/>'s certificate to this origin, on the accepted login page.</summary>
    private async Task<IPage> CertificatePageAsync(string user)
    {
        var context = await NewContextAsync(options => options.ClientCertificates =
        [
            new ClientCertificate { Origin = BaseAddress.GetLeftPart(UriPartial.Authority), CertPath = Pki.CertPath(user), KeyPath = Pki.KeyPath(user) },
        ]);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.Locator("#consent-accept").ClickAsync();
        await Expect(page.Locator("#certificate-login")).ToBeVisibleAsync();
        return page;
    }
}
