using System.Text;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.E2E.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Chat;

/// <summary>
/// Every line of the XSS payload corpus stored as model output and rendered by the real chat page (Markdig, sanitizer,
/// Blazor) in Chromium, in batches of one session each: no dialog, no console error, no element with an event-handler
/// attribute or a URL-bearing attribute, no script/frame/image element, and (BrowserTest) no request to another origin.
/// </summary>
public sealed class XssRenderingTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private const int BatchSize = 600;

    [Fact]
    public async Task XssPayloadCorpus_RenderedAsModelOutputInChromium_ExecutesNothing_AndFetchesNothing()
    {
        var path = CorpusPath();
        if (path is null)
        {
            Output.WriteLine("SKIPPED (corpus absent): ../shared/corpora/xss-payloads/xss-payload-list.txt not found next to the repository.");
            Console.WriteLine("XSS Chromium test SKIPPED: corpus ../shared/corpora/xss-payloads is absent.");
            return;
        }

        var payloads = ReadLines(path).Select(b => Encoding.UTF8.GetString(b)).ToList();
        var dialogs = new List<string>();
        Page.Dialog += async (_, dialog) =>
        {
            lock (dialogs)
            {
                dialogs.Add(dialog.Message);
            }

            await dialog.DismissAsync();
        };

        await LogInAsync("analyst");
        var ownerId = await UserIdAsync("analyst");
        var rendered = 0;
        foreach (var batch in payloads.Chunk(BatchSize))
        {
            var sessionId = await StoreAsModelOutputAsync(ownerId, batch);
            await Page.GotoAsync($"/chat/{sessionId}");
            await Shell.WaitUntilInteractiveAsync();
            await Expect(Page.Locator("[data-testid=message][data-role=assistant]")).ToHaveCountAsync(batch.Length, new() { Timeout = 60_000 });
            var findings = await Page.EvaluateAsync<string[]>(@"() => {
                const out = [];
                const root = document.querySelector('[data-testid=message-list]');
                for (const el of root.querySelectorAll('*')) {
                    for (const a of el.attributes) {
                        if (/^on/i.test(a.name)) out.push('handler ' + el.tagName + ' ' + a.name);
                    }
                }
                for (const output of root.querySelectorAll('[data-testid=model-output]')) {
                    for (const el of output.querySelectorAll('*')) {
                        if (el.attributes.length > 0) out.push('attribute on ' + el.tagName + ': ' + el.attributes[0].name);
                        if (/^(script|iframe|frame|object|embed|img|svg|math|a|form|input|link|meta|style|base|video|audio|source|image)$/i.test(el.tagName)) out.push('element ' + el.tagName);
                    }
                }
                return out;
            }");
            Assert.True(findings.Length == 0, $"batch starting at payload {rendered}: " + string.Join("; ", findings.Take(20)));
            rendered += batch.Length;
        }

        // Anything deferred (timers, image errors) has had the time the later batches took; look once more now.
        await Page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))");
        Assert.Empty(dialogs);
        Assert.Equal(payloads.Count, rendered);
        Output.WriteLine($"XSS corpus in Chromium: {rendered} payloads rendered as model output in {(rendered + BatchSize - 1) / BatchSize} pages; no dialog, handler, URL attribute or active element.");
        Console.WriteLine($"XSS corpus in Chromium: {rendered} payloads rendered, 0 executed, 0 foreign requests checked by BrowserTest.");
    }

    private async Task<string> UserIdAsync(string userName)
    {
        await using var scope = Fixture.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>();
        return (await users.FindByNameAsync(userName))?.Id ?? throw new InvalidOperationException($"No user {userName}.");
    }

    /// <summary>One session whose selected branch is a chain of completed answers, one payload each.</summary>
    private async Task<Guid> StoreAsModelOutputAsync(string ownerId, string[] payloads)
    {
        var factory = Fixture.App.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var session = new ChatSession { Id = Guid.CreateVersion7(), OwnerId = ownerId, Title = "XSS corpus", CreatedAt = now, UpdatedAt = now, Marking = Marking.Unclassified };
        db.Sessions.Add(session);
        Guid? parent = null;
        var sequence = 0;
        foreach (var payload in payloads)
        {
            var message = new ChatMessageRecord
            {
                Id = Guid.CreateVersion7(), SessionId = session.Id, ParentId = parent, Sequence = ++sequence, Role = MessageRole.Assistant,
                Content = payload.Replace("\0", "", StringComparison.Ordinal), Status = MessageStatus.Complete, Marking = Marking.Unclassified,
                ModelName = "xss-corpus", CreatedAt = now, UpdatedAt = now, CompletedAt = now,
            };
            db.Messages.Add(message);
            parent = message.Id;
        }

        session.SelectedLeafId = parent;
        await db.SaveChangesAsync();
        return session.Id;
    }

    private static string? CorpusPath() => SharedCorpora.Find("xss-payloads/xss-payload-list.txt");

    private static List<byte[]> ReadLines(string path)
    {
        var all = File.ReadAllBytes(path);
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= all.Length; i++)
        {
            if (i == all.Length || all[i] == (byte)'\n')
            {
                var end = i > start && all[i - 1] == (byte)'\r' ? i - 1 : i;
                if (end > start)
                {
                    lines.Add(all[start..end]);
                }

                start = i + 1;
            }
        }

        return lines;
    }
}
