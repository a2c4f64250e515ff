using Microsoft.Extensions.DependencyInjection;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Tests.Conversations;

/// <summary>The chat feature end to end over the real fixture GGUF (random weights: text is noise; everything else is real).</summary>
public sealed class FixtureModelConversationTests
{
    [Fact]
    public async Task Send_WithTheFixtureModel_StreamsToComplete_WithModelHashSamplingAndTokens_ThenRegenerateAndEditBranch()
    {
        await using var host = await ConversationTestHost.StartAsync(settings: new() { ["Conversations:DefaultMaxTokens"] = "24" });
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, ConversationsData.BlufPersonaId, default);

        var first = await host.Turns.SendAsync(actor, session.Id, "Summarize the situation.", null, new SamplingRequest(Seed: 11), default);
        var answer = await host.FinishedAsync(first.AnswerId);
        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.False(string.IsNullOrWhiteSpace(answer.Content));
        Assert.Matches("^[0-9a-f]{64}$", answer.ModelSha256 ?? "");
        Assert.NotNull(answer.ModelName);
        Assert.Equal(11, answer.Seed);
        Assert.True(answer.CompletionTokens > 0);
        Assert.True(answer.PromptTokens > 0);

        // Regenerate: a sibling answer under the same user turn, now selected.
        var again = await host.Turns.RegenerateAsync(actor, first.AnswerId, new SamplingRequest(Seed: 12), default);
        var second = await host.FinishedAsync(again.AnswerId);
        Assert.Equal(answer.ParentId, second.ParentId);
        var view = await host.Service.GetConversationAsync(actor, session.Id, default);
        Assert.Equal([first.AnswerId, again.AnswerId], view.Path[^1].SiblingIds);
        Assert.Equal(1, view.Path[^1].SiblingIndex);

        // Follow-up, then edit the first user turn: a new branch; the old one stays selectable.
        var followUp = await host.Turns.SendAsync(actor, session.Id, "And the risks?", null, null, default);
        await host.FinishedAsync(followUp.AnswerId);
        var edit = await host.Turns.EditAsync(actor, first.UserMessageId!.Value, "Summarize the situation in one line.", null, null, default);
        await host.FinishedAsync(edit.AnswerId);
        view = await host.Service.GetConversationAsync(actor, session.Id, default);
        Assert.Equal(2, view.Path.Count);
        Assert.Equal("Summarize the situation in one line.", view.Path[0].Message.Content);
        Assert.Equal([first.UserMessageId!.Value, edit.UserMessageId!.Value], view.Path[0].SiblingIds);

        await host.Service.SelectBranchAsync(actor, session.Id, first.UserMessageId!.Value, default);
        view = await host.Service.GetConversationAsync(actor, session.Id, default);
        Assert.Equal(["Summarize the situation.", "And the risks?"], view.Path.Where(p => p.Message.Role == MessageRole.User).Select(p => p.Message.Content));
        Assert.Equal(4, view.Path.Count);
        Assert.Equal(5, (await host.Service.GetAllMessagesAsync(actor, session.Id, default)).Count(m => m.Role == MessageRole.Assistant) + 1);
    }

    [Fact]
    public async Task ContextOverflow_DropsOldestTurnsFromThePrompt_NeverFromTheRecord()
    {
        // 512-token context, 64 reserved for the answer: three long turns cannot all fit.
        await using var host = await ConversationTestHost.StartAsync(settings: new() { ["Conversations:DefaultMaxTokens"] = "64" });
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var longText = string.Join(' ', Enumerable.Repeat("the enemy battalion moved north overnight", 7));

        TurnStarted? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await host.Turns.SendAsync(actor, session.Id, $"{i}: {longText}", null, new SamplingRequest(MaxTokens: 8), default);
            await host.FinishedAsync(last.AnswerId);
        }

        Assert.True(last!.DroppedMessages > 0, "the oldest turns should have been left out of the prompt");
        Assert.Equal(last.DroppedMessages, (await host.MessageAsync(last.AnswerId)).DroppedMessages);
        Assert.Equal(6, (await host.Service.GetAllMessagesAsync(actor, session.Id, default)).Count);
        Assert.Equal(MessageStatus.Complete, (await host.MessageAsync(last.AnswerId)).Status);

        var tooBig = await Assert.ThrowsAsync<ConversationLimitException>(() =>
            host.Turns.SendAsync(actor, session.Id, string.Join(' ', Enumerable.Repeat(longText, 3)), null, null, default));
        Assert.Contains("context", tooBig.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_HasBannersTopAndBottom_PortionMarks_ModelHash_AndTimestamps()
    {
        await using var host = await ConversationTestHost.StartAsync(settings: new() { ["Conversations:DefaultMaxTokens"] = "12" });
        var actor = ConversationTestHost.Analyst(clearance: ClassificationLevel.Secret);
        var session = await host.Service.CreateSessionAsync(actor, "Export me", null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "Report.", new Marking(ClassificationLevel.Secret, ["NOFORN"]), null, default);
        var answer = await host.FinishedAsync(turn.AnswerId);
        var exporter = new ConversationExporter(host.Service, host.Host.Services.GetRequiredService<GroundedAnswers>(), MarkingSchemes.Us);

        var markdown = await exporter.ToMarkdownAsync(actor, session.Id, default);
        var lines = markdown.TrimEnd('\n').Split('\n');
        Assert.Equal("SECRET//NOFORN", lines[0]);
        Assert.Equal("SECRET//NOFORN", lines[^1]);
        Assert.Contains("(S//NF) Report.", markdown, StringComparison.Ordinal);
        Assert.Contains(answer.ModelSha256!, markdown, StringComparison.Ordinal);
        Assert.Matches(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", markdown);

        var json = System.Text.Json.JsonDocument.Parse(await exporter.ToJsonAsync(actor, session.Id, default)).RootElement;
        Assert.Equal("SECRET//NOFORN", json.GetProperty("bannerTop").GetString());
        Assert.Equal("SECRET//NOFORN", json.GetProperty("bannerBottom").GetString());
        var messages = json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal("(S//NF)", m.GetProperty("portionMark").GetString()));
        Assert.Equal(answer.ModelSha256, messages[1].GetProperty("model").GetProperty("sha256").GetString());
    }
}
