using System.Text.RegularExpressions;
using AxWorkbench.Core.Audit;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

[Collection(SecureSiteCollection.Name)]
public sealed class SessionLimitTests(SecureSiteFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task SessionLimit_AThirdSignIn_EndsTheOldestSession_WhichReturnsToLogin()
    {
        // This test's own context is the oldest session; two more browsers sign in as the same user (limit 2).
        await LogInAsync("admin");
        await using var second = await NewContextAsync();
        await using var third = await NewContextAsync();
        foreach (var context in new[] { second, third })
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/account/login");
            await page.Locator("#consent-accept").ClickAsync();
            await page.Locator("#username").FillAsync("admin");
            await page.Locator("#password").FillAsync(WorkbenchAppFactory.DemoPassword);
            await page.Locator("#login-submit").ClickAsync();
            await Expect(page.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        }

        // The open circuit is signed out at its next revalidation, and a new request goes to the login page.
        await Page.GotoAsync("/chat");
        await Expect(Page).ToHaveURLAsync(new Regex("/account/login"));
        Assert.Contains(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.SessionEnded), r => r.Target == "admin" && r.Details!.Contains("concurrent", StringComparison.Ordinal));
    }
}
