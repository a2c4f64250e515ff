namespace AxWorkbench.E2E.Infrastructure;

/// <summary>The static sign-in page (/account/login).</summary>
public sealed class LoginPage(IPage page)
{
    public ILocator UserName => page.Locator("#username");

    public ILocator Password => page.Locator("#password");

    public ILocator Submit => page.Locator("#login-submit");

    public ILocator Error => page.GetByTestId("login-error");

    /// <summary>The notice-and-consent banner, shown until it is accepted in this browser session.</summary>
    public ILocator Consent => page.GetByTestId("consent");

    public ILocator ConsentText => page.GetByTestId("consent-text");

    public ILocator ConsentAccept => page.Locator("#consent-accept");
}
