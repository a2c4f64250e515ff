using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AxWorkbench.Load;

/// <summary>
/// One analyst in a browser context of their own: logs in, opens a chat (grounded ones pick the demo library), then
/// sends prompts until the deadline, each time waiting for the answer to end. Time to first text is measured in the
/// page: from the Enter key's keydown to the first text of the streaming answer (a MutationObserver).
/// </summary>
public sealed class Analyst(int index, bool grounded, string userName, string password, LoadEvents events, Stopwatch clock, int maxTokens)
{
    private const string DemoLibrary = "Demo briefs";

    // Installed once per page: stamps Enter's keydown and the first streamed text after it; notes a queue position shown.
    private const string Probe = """
        () => {
          if (window.__axProbe) return;
          window.__axProbe = { sent: 0, first: 0, queued: false };
          const done = () => document.querySelectorAll('[data-testid=message][data-role=assistant]:not(.ax-streaming)');
          document.addEventListener('keydown', e => { if (e.key === 'Enter') { window.__axProbe = { sent: performance.now(), first: 0, queued: false, done: done().length }; } }, true);
          new MutationObserver(() => {
            const p = window.__axProbe;
            if (!p.sent) return;
            if (document.querySelector('[data-testid=queue-position]')) p.queued = true;
            if (!p.first) {
              const e = document.querySelector('.ax-streaming [data-testid=model-output]');
              const all = done();
              if ((e && e.textContent.trim().length > 0) || (all.length > p.done && all[all.length - 1].textContent.trim().length > 0)) p.first = performance.now();
            }
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        }
        """;

    public async Task RunAsync(IBrowser browser, string origin, DateTime deadline, CancellationToken cancellationToken)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", BaseURL = origin });
        context.SetDefaultTimeout(120_000);
        var stage = "log in";
        try
        {
            // Analysts arrive over a few seconds, not all in the same instant (sign-in hashes the password).
            await Task.Delay(TimeSpan.FromSeconds(index * 1.5), cancellationToken);
            var page = await context.NewPageAsync();
            await LogInAsync(page, userName, password);
            stage = grounded ? "open a grounded chat" : "open a chat";
            await OpenChatAsync(page);
            stage = "chat";
            LoggedIn = true;
            Ready.TrySetResult();
            await StartSignal.Task.WaitAsync(cancellationToken);
            var random = new Random(index);
            var turn = 0;
            while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await SendOneAsync(page, turn++);
                }
                catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
                {
                    // One prompt that never showed as sent (nor refused) within 120 s: an error, with what the page showed then
                    // (and its screenshot and HTML beside the report); the analyst goes on from a fresh chat page.
                    var seen = await DescribeAsync(page, $"analyst-{index}-turn-{turn - 1}");
                    events.Errors.Enqueue($"analyst {index} turn {turn - 1}: {ex.Message.Split('\n')[0]} [page: {seen}]");
                    events.Answers.Enqueue(new AnswerEvent(index, clock.Elapsed.TotalSeconds, grounded, AnswerOutcome.Error, false, null, null, ex.Message.Split('\n')[0]));
                    await page.ReloadAsync();
                    await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                    await page.EvaluateAsync(Probe);
                }
                await Task.Delay(random.Next(1000, 3000), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // an analyst that cannot go on is one error in the report, not the end of the run
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Ready.TrySetResult();
            events.Errors.Enqueue($"analyst {index} ({stage}): {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
            events.Answers.Enqueue(new AnswerEvent(index, clock.Elapsed.TotalSeconds, grounded, AnswerOutcome.Error, false, null, null, ex.Message.Split('\n')[0]));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    /// <summary>Where a give-up's screenshot and HTML go (null: not kept).</summary>
    public string? FailureFolder { get; init; }

    // What a user would see when a prompt did not show: the box's text, the send button, the messages, the answer in
    // flight, an error or the reconnection dialog.
    private const string PageState = """
        () => {
          const box = document.querySelector('[data-testid=chat-input]');
          const send = document.querySelector('[data-testid=send]');
          const modal = document.querySelector('#components-reconnect-modal');
          const blazorError = document.querySelector('#blazor-error-ui');
          const last = [...document.querySelectorAll('[data-testid=message][data-role=assistant]')].pop();
          return JSON.stringify({
            url: location.pathname,
            box: box ? box.value.slice(0, 60) : null,
            sendDisabled: send ? send.disabled : null,
            users: document.querySelectorAll('[data-testid=message][data-role=user]').length,
            assistants: document.querySelectorAll('[data-testid=message][data-role=assistant]').length,
            lastStatus: last ? last.getAttribute('data-status') : null,
            streaming: !!document.querySelector('.ax-streaming'),
            error: document.querySelector('[data-testid=chat-error]')?.textContent?.trim() ?? null,
            reconnect: modal ? (modal.className + ' ' + (modal.open ?? '')).trim() : null,
            blazorError: !!blazorError && blazorError.offsetParent !== null,
          });
        }
        """;

    private async Task<string> DescribeAsync(IPage page, string name)
    {
        try
        {
            var state = await page.EvaluateAsync<string>(PageState);
            if (FailureFolder is { } folder)
            {
                Directory.CreateDirectory(folder);
                await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true, Timeout = 30_000 });
                await File.WriteAllTextAsync(Path.Combine(folder, name + ".html"), await page.ContentAsync());
            }

            return state;
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            return $"not read: {ex.Message.Split('\n')[0]}";
        }
    }

    /// <summary>True once the analyst has logged in and opened the chat.</summary>
    public bool LoggedIn { get; private set; }

    /// <summary>Done when the analyst has logged in and opened the chat (an idle circuit), or has given up.</summary>
    public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when every analyst is ready: prompts start.</summary>
    public TaskCompletionSource StartSignal { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task LogInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/account/login");
        await page.Locator("#consent-accept").ClickAsync(); // the notice-and-consent banner comes first
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#login-submit").ClickAsync();
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    private async Task OpenChatAsync(IPage page)
    {
        await page.GotoAsync("/chat");
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("new-session").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f-]{36}$"));
        await page.GetByTestId("chat-input").WaitForAsync();
        if (grounded)
        {
            // Pick the demo library, then make sure the pick registered and the list closed: on a loaded machine a click
            // on an item still sliding into place, or an Escape sent before the list took focus, is lost, and the list
            // left open covers the message box (sessions 5 and 6 counted those analysts' next prompts as not shown).
            var openOptions = page.Locator(".mud-popover-open [data-testid=chat-library-option]");
            var option = openOptions.Filter(new() { HasText = DemoLibrary }).First;
            for (var attempt = 0; ; attempt++)
            {
                if (await openOptions.CountAsync() == 0)
                {
                    await page.GetByTestId("chat-libraries").ClickAsync();
                }

                if (await option.GetAttributeAsync("aria-selected") != "true")
                {
                    await option.ClickAsync();
                }

                try
                {
                    await page.Locator(".mud-popover-open [data-testid=chat-library-option][aria-selected=true]").WaitForAsync(new() { Timeout = 30_000 });
                    await page.Keyboard.PressAsync("Escape");
                    await openOptions.First.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 30_000 });
                    break;
                }
                catch (TimeoutException) when (attempt < 3)
                {
                    await page.GetByTestId("page-title").ClickAsync(); // a click outside closes the list; the next attempt opens it again
                }
            }
        }
        var tokens = page.Locator("[data-testid=sampling-max-tokens] input, input[data-testid=sampling-max-tokens]");
        await tokens.FillAsync(maxTokens.ToString(CultureInfo.InvariantCulture));
        await tokens.PressAsync("Tab");
        await page.EvaluateAsync(Probe);
    }

    private async Task SendOneAsync(IPage page, int turn)
    {
        var at = clock.Elapsed.TotalSeconds;
        var watch = Stopwatch.StartNew();
        var question = grounded
            ? $"What do the demo briefs say about the convoy and its escort? (question {turn})"
            : $"Summarize the situation on the northern route in three lines. (turn {turn} of analyst {index})";
        var users = page.Locator("[data-testid=message][data-role=user]");
        var before = await users.CountAsync();
        var answersBefore = await page.Locator("[data-testid=message][data-role=assistant]").CountAsync();
        var error = page.GetByTestId("chat-error");
        if (await error.IsVisibleAsync())
        {
            // The last prompt's refusal is still shown: dismiss it, so it is not taken for this prompt's.
            await error.Locator("button").First.ClickAsync();
            await error.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }
        await page.GetByTestId("chat-input").FillAsync(question);
        await page.GetByTestId("chat-input").PressAsync("Enter");
        await users.Nth(before).Or(error).First.WaitForAsync(new() { Timeout = 120_000 });
        if (await error.IsVisibleAsync())
        {
            var text = (await error.TextContentAsync() ?? "").Trim();
            var busy = text.Contains("busy", StringComparison.OrdinalIgnoreCase) || text.Contains("queue", StringComparison.OrdinalIgnoreCase)
                || text.Contains("generating", StringComparison.OrdinalIgnoreCase);
            events.Answers.Enqueue(new AnswerEvent(index, at, grounded, busy ? AnswerOutcome.Busy : AnswerOutcome.Error, busy, null, watch.Elapsed.TotalMilliseconds, text));
            if (!busy)
            {
                events.Errors.Enqueue($"analyst {index} turn {turn}: refused: {text}");
            }
            return;
        }
        try
        {
            // Ends when the streaming element is gone and the last answer has a final status (180 s: longer is a hang).
            // This prompt's answer must be on the page first: the user's turn can show a moment before its answer does.
            await page.WaitForFunctionAsync("""
                before => {
                  const answers = [...document.querySelectorAll('[data-testid=message][data-role=assistant]')];
                  return answers.length > before && !document.querySelector('.ax-streaming') && answers.pop().getAttribute('data-status') !== 'generating';
                }
                """, answersBefore, new() { Timeout = 180_000 });
        }
        catch (TimeoutException)
        {
            events.Answers.Enqueue(new AnswerEvent(index, at, grounded, AnswerOutcome.Error, false, null, null, "no end within 180 s (hang)"));
            events.Errors.Enqueue($"analyst {index} turn {turn}: the answer did not end within 180 s");
            return;
        }
        var probe = await page.EvaluateAsync<JsonElement>("() => window.__axProbe");
        var sent = probe.GetProperty("sent").GetDouble();
        var first = probe.GetProperty("first").GetDouble();
        var queued = probe.GetProperty("queued").GetBoolean();
        var status = await page.Locator("[data-testid=message][data-role=assistant]").Last.GetAttributeAsync("data-status");
        var ok = status == "complete";
        double? firstMs = first > 0 && sent > 0 ? Math.Round(first - sent, 1) : null;
        if (ok)
        {
            events.Answers.Enqueue(new AnswerEvent(index, at, grounded, AnswerOutcome.Completed, queued, firstMs, watch.Elapsed.TotalMilliseconds, null));
            return;
        }

        // An answer that ended failed says why in its bubble: "The model is busy: N requests are already waiting" is the
        // engine's full queue telling the user (a busy answer, not an error); anything else is an error, kept verbatim.
        var said = ((await page.Locator("[data-testid=message][data-role=assistant]").Last.TextContentAsync()) ?? "").Trim();
        var told = said.Contains("busy", StringComparison.OrdinalIgnoreCase) || said.Contains("waiting", StringComparison.OrdinalIgnoreCase);
        var detail = $"ended {status}: {(said.Length > 300 ? said[..300] : said)}";
        events.Answers.Enqueue(new AnswerEvent(index, at, grounded, told ? AnswerOutcome.Busy : AnswerOutcome.Error, told || queued, firstMs, watch.Elapsed.TotalMilliseconds, detail));
        if (!told)
        {
            events.Errors.Enqueue($"analyst {index} turn {turn}: the answer {detail}");
        }
    }
}
