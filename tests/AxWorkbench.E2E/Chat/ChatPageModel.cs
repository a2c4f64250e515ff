namespace AxWorkbench.E2E.Chat;

/// <summary>Locators of the chat workspace (/chat).</summary>
public sealed class ChatPageModel(IPage page)
{
    public ILocator NewSession => page.GetByTestId("new-session");

    public ILocator Input => page.GetByTestId("chat-input");

    public ILocator Send => page.GetByTestId("send");

    public ILocator MaxTokens => page.Locator("[data-testid=sampling-max-tokens] input, input[data-testid=sampling-max-tokens]");

    public ILocator Messages => page.GetByTestId("message");

    public ILocator UserMessages => page.Locator("[data-testid=message][data-role=user]");

    public ILocator Answers => page.Locator("[data-testid=message][data-role=assistant]");

    public ILocator LastAnswer => Answers.Last;

    public ILocator Streaming => page.Locator(".ax-streaming");

    public ILocator StreamingText => page.Locator(".ax-streaming [data-testid=model-output]");

    public ILocator Stop => page.GetByTestId("stop");

    public ILocator Error => page.GetByTestId("chat-error");

    public static Guid SessionIdFrom(string url) => Guid.Parse(new Uri(url).AbsolutePath.Split('/')[^1]);

    /// <summary>Creates a session and waits for its conversation view.</summary>
    public async Task<Guid> CreateSessionAsync()
    {
        await NewSession.ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f-]{36}$"));
        await Expect(Input).ToBeVisibleAsync();
        return SessionIdFrom(page.Url);
    }

    public async Task SetMaxTokensAsync(int tokens)
    {
        await MaxTokens.FillAsync(tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await MaxTokens.PressAsync("Tab");
    }

    /// <summary>Types a prompt and presses Enter; waits until the user turn is shown (the server has committed it).</summary>
    public async Task SendAsync(string text)
    {
        var before = await UserMessages.CountAsync();
        await Input.FillAsync(text);
        await Input.PressAsync("Enter");
        // Either the turn is shown, or the page says why not (fail with that message rather than a timeout).
        await Expect(UserMessages.Nth(before).Or(Error)).ToBeVisibleAsync();
        if (await Error.IsVisibleAsync())
        {
            throw new InvalidOperationException("The chat page refused the prompt: " + await Error.TextContentAsync());
        }

        await Expect(UserMessages).ToHaveCountAsync(before + 1);
    }

    /// <summary>Waits until the streaming answer shows at least this many characters.</summary>
    public Task WaitForStreamedTextAsync(int characters) =>
        page.WaitForFunctionAsync(
            "n => { const e = document.querySelector('.ax-streaming [data-testid=model-output]'); return e && e.textContent.trim().length >= n; }",
            characters);
}
