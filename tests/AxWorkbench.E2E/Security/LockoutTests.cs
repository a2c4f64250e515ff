using System.Text.RegularExpressions;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

public sealed class LockoutTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task Lockout_ThreeWrongPasswords_LockTheAccount_EvenAgainstTheRightPassword_AndAreAudited()
    {
        const string userName = "e2e-lockout";
        const string password = "Lockout-Target-2026!";
        await Fixture.AddUserAsync(userName, password, Roles.Analyst, "UNCLASSIFIED");
        await Page.GotoAsync("/account/login");

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await SubmitLoginAsync(userName, "wrong-password-" + attempt);
            await Expect(Login.Error).ToHaveTextAsync(UiText.En("LoginFailed"));
            await Expect(Page).ToHaveURLAsync(new Regex("/account/login$"));
        }

        await SubmitLoginAsync(userName, "wrong-password-3");
        await Expect(Login.Error).ToHaveTextAsync(UiText.En("LockedOut"));

        // Locked: even the right password is refused now.
        await SubmitLoginAsync(userName, password);
        await Expect(Login.Error).ToHaveTextAsync(UiText.En("LockedOut"));
        await Expect(Page).ToHaveURLAsync(new Regex("/account/login$"));

        var failures = await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.LoginFailed, userName);
        Assert.Equal(3, failures.Count(r => r.Target == userName)); // two wrong passwords, then the right one while locked
        var lockout = Assert.Single(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.Lockout, userName), r => r.Target == userName);
        Assert.Equal(AuditOutcomes.Denied, lockout.Outcome);
        Assert.DoesNotContain(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.Login, userName), r => r.Target == userName);
    }
}
