using AxWorkbench.Core.Audit;
using AxWorkbench.E2E.Chat;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

[Collection(SecureSiteCollection.Name)]
public sealed class IdleLockTests(SecureSiteFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private ILocator Lock => Page.GetByTestId("idle-lock");

    [Fact]
    public async Task IdleLock_AfterTheIdleInterval_LocksTheScreen_AndThePasswordUnlocksTheSameCircuitWithTheUnsentDraft()
    {
        await LogInAsync("analyst");
        await Page.GotoAsync("/chat");
        await Shell.WaitUntilInteractiveAsync();
        var chat = new ChatPageModel(Page);
        await chat.CreateSessionAsync();
        const string draft = "unsent draft: convoy sighted at grid 4417";
        await chat.Input.FillAsync(draft);
        // The document is marked: after the unlock it must be the same document (same circuit), not a reload.
        await Page.EvaluateAsync("() => document.documentElement.setAttribute('data-e2e-before-lock', '')");

        await Expect(Lock).ToBeVisibleAsync();
        await Page.GetByTestId("idle-lock-password").FillAsync("not-the-password");
        await Page.GetByTestId("idle-lock-submit").ClickAsync();
        await Expect(Page.GetByTestId("idle-lock-error")).ToHaveTextAsync(UiText.En("IdleLockWrongPassword"));
        await Expect(Lock).ToBeVisibleAsync();

        await Page.GetByTestId("idle-lock-password").FillAsync(WorkbenchAppFactory.DemoPassword);
        await Page.GetByTestId("idle-lock-submit").ClickAsync();
        await Expect(Lock).ToHaveCountAsync(0);
        await Expect(Page.Locator("html[data-e2e-before-lock]")).ToHaveCountAsync(1);
        await Expect(chat.Input).ToHaveValueAsync(draft);

        Assert.Contains(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.SessionLocked), r => r.Target == "analyst");
        Assert.Contains(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.SessionUnlocked), r => r.Target == "analyst");
        Assert.Contains(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.LoginFailed), r => r.Target == "analyst" && r.Details!.Contains("unlock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IdleLock_ANewTabOfTheLockedSession_OpensLockedToo()
    {
        await LogInAsync("supervisor");
        await Expect(Lock).ToBeVisibleAsync();

        var second = await Context.NewPageAsync();
        await second.GotoAsync("/");
        await Expect(second.Locator("[data-interactive=true]")).ToBeAttachedAsync();
        await Expect(second.GetByTestId("idle-lock")).ToBeVisibleAsync();
    }
}
