using AxWorkbench.Core.Audit;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

public sealed class ConsentTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task Consent_MustBeAcceptedBeforeTheLoginFormShows_AndTheAcceptanceIsAudited()
    {
        var before = (await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.Consent)).Count;
        await Page.GotoAsync("/account/login");
        await Expect(Login.Consent).ToBeVisibleAsync();
        await Expect(Login.ConsentText).ToContainTextAsync("provided for authorized use only");
        await Expect(Login.UserName).ToHaveCountAsync(0);
        await Expect(Login.Password).ToHaveCountAsync(0);

        await ReplacingDocumentAsync(() => Login.ConsentAccept.ClickAsync());
        await Expect(Login.Consent).ToHaveCountAsync(0);
        await Expect(Login.UserName).ToBeVisibleAsync();
        var records = await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.Consent);
        Assert.Equal(before + 1, records.Count);
        Assert.Equal("127.0.0.1", records[0].ClientAddress);

        // Accepted once per browser session: the login page now opens on the form, and signing in works.
        await Page.GotoAsync("/account/login");
        await Expect(Login.UserName).ToBeVisibleAsync();
        await SubmitLoginAsync("analyst", WorkbenchAppFactory.DemoPassword);
        await Shell.WaitUntilInteractiveAsync();
    }

    [Fact]
    public async Task Consent_NotAccepted_APostedLoginIsRefused_AndNoAuthCookieIsSet()
    {
        var started = DateTime.UtcNow.AddSeconds(-1);
        await Page.GotoAsync("/account/login");
        var token = await Page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        // The form is not on the page; a hand-made post with a valid antiforgery token is still refused.
        var response = await Context.APIRequest.PostAsync("/account/login", new()
        {
            Form = Context.APIRequest.CreateFormData()
                .Append("_handler", "login")
                .Append("__RequestVerificationToken", token!)
                .Append("Form.UserName", "analyst")
                .Append("Form.Password", WorkbenchAppFactory.DemoPassword),
            MaxRedirects = 0,
        });
        Output.WriteLine($"hand-made login post: {response.Status}");
        Assert.True(response.Status is 200 or 400, $"Expected the login page again or a refusal, got {response.Status}.");
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "AxWorkbench.Auth");
        Assert.DoesNotContain(await AuditTrail.RecordsAsync(Fixture.App.Services, AuditActions.Login), r => r.ClientAddress == "127.0.0.1" && r.Time > started);
    }

    [Fact]
    public async Task Consent_InKorean_ShowsTheKoreanNotice()
    {
        await Page.GotoAsync("/culture/set?culture=ko-KR&redirectUri=/account/login");
        await Expect(Login.Consent).ToBeVisibleAsync();
        await Expect(Login.ConsentText).ToContainTextAsync("인가된 용도로만");
        await Expect(Login.ConsentAccept).ToHaveTextAsync(UiText.Ko("ConsentAccept"));
    }
}
