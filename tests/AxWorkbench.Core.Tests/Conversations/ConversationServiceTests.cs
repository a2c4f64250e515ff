using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Conversations;

public sealed class SqliteConversationServiceTests() : ConversationServiceTests(DbProvider.Sqlite);

public sealed class PostgresConversationServiceTests() : ConversationServiceTests(DbProvider.Postgres);

/// <summary>Durability, flushing, stop and limits with a scripted model (timing is the point, not the text).</summary>
public abstract class ConversationServiceTests(DbProvider provider)
{
    private static readonly Marking _secret = new(ClassificationLevel.Secret);

    [Fact]
    public async Task Send_CommitsUserTurnAndGeneratingAnswer_BeforeTheModelIsAsked()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        (int Users, int Generating)? seenByModel = null;
        model.OnCall = async () => seenByModel = await host.DbAsync(async db => (
            await db.Messages.CountAsync(m => m.Role == MessageRole.User && m.Content == "what is BLUF?"),
            await db.Messages.CountAsync(m => m.Role == MessageRole.Assistant && m.Status == MessageStatus.Generating)));

        var turn = await host.Turns.SendAsync(actor, session.Id, "what is BLUF?", null, null, default);
        var writer = await model.NextCallAsync();
        writer.Complete();
        var answer = await host.FinishedAsync(turn.AnswerId);

        Assert.Equal((1, 1), seenByModel);
        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.Equal(turn.UserMessageId, answer.ParentId);
    }

    [Fact]
    public async Task Send_ReturnsTheLiveGenerationAndTheUpdatedView_ForThePageToAttachTo()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);

        var turn = await host.Turns.SendAsync(actor, session.Id, "where is the convoy?", null, null, default);
        var writer = await model.NextCallAsync();
        await writer.WriteAsync("at the bridge");
        await WaitForAsync(() => Task.FromResult(turn.Generation?.Text == "at the bridge"), TimeSpan.FromSeconds(10));
        writer.Complete();

        Assert.NotNull(turn.Generation);
        Assert.Same(turn.Generation, turn.View.Active);
        Assert.Null(turn.Grounding);
        Assert.Equal(["where is the convoy?", ""], turn.View.Path.Select(p => p.Message.Content));
        Assert.Equal("where is the convoy?", turn.View.Session.Title);
        await turn.Generation.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("at the bridge", (await host.MessageAsync(turn.AnswerId)).Content);
    }

    [Fact]
    public async Task OpenedWhileGenerating_TheViewCarriesTheLiveGeneration()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "hello", null, null, default);
        var writer = await model.NextCallAsync();

        var view = await host.Service.GetConversationAsync(actor, session.Id, default);
        writer.Complete();
        await turn.Generation!.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var after = await host.Service.GetConversationAsync(actor, session.Id, default);

        Assert.Same(turn.Generation, view.Active);
        Assert.Null(after.Active);
        Assert.Equal(MessageStatus.Complete, after.Path[^1].Message.Status);
    }

    [Fact]
    public async Task GrowingAnswer_IsFlushedEveryNPieces_AndWithinTheInterval()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, new() { ["Conversations:FlushEveryPieces"] = "4", ["Conversations:FlushIntervalMs"] = "300" }, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "hello", null, null, default);
        var writer = await model.NextCallAsync();

        // Four pieces: the piece count triggers a flush without waiting for the timer.
        foreach (var piece in new[] { "a", "b", "c", "d" })
        {
            await writer.WriteAsync(piece);
        }

        await WaitForAsync(async () => (await host.MessageAsync(turn.AnswerId)).Content == "abcd", TimeSpan.FromSeconds(10));
        var mid = await host.MessageAsync(turn.AnswerId);
        Assert.Equal(MessageStatus.Generating, mid.Status);

        // One more piece, then silence: the periodic flush saves it within the interval (with slack for a busy machine).
        var before = DateTime.UtcNow;
        await writer.WriteAsync("e");
        await WaitForAsync(async () => (await host.MessageAsync(turn.AnswerId)).Content == "abcde", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - before < TimeSpan.FromSeconds(5), "the lone piece should be flushed by the periodic timer");
        Assert.Equal(MessageStatus.Generating, (await host.MessageAsync(turn.AnswerId)).Status);

        writer.Complete();
        var done = await host.FinishedAsync(turn.AnswerId);
        Assert.Equal(MessageStatus.Complete, done.Status);
        Assert.Equal("abcde", done.Content);
        Assert.True(host.Coordinator.Flushes >= 2);
    }

    [Fact]
    public async Task Stop_EndsCancelled_AndKeepsTheTextSoFar()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "hello", null, null, default);
        var writer = await model.NextCallAsync();
        await writer.WriteAsync("partial ");
        await writer.WriteAsync("answer");
        await WaitForAsync(() => Task.FromResult(host.Coordinator.Find(turn.AnswerId)?.Text == "partial answer"), TimeSpan.FromSeconds(10));

        Assert.True(await host.Turns.StopAsync(actor, turn.AnswerId, default));
        var answer = await host.FinishedAsync(turn.AnswerId);

        Assert.Equal(MessageStatus.Cancelled, answer.Status);
        Assert.Equal("partial answer", answer.Content);
    }

    [Fact]
    public async Task StartUp_TurnsGeneratingAnswersIntoInterrupted_KeepingTheirText()
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-chat-tests", Guid.NewGuid().ToString("N"));
        var actor = ConversationTestHost.Analyst();
        var answerId = Guid.CreateVersion7();
        await using (var first = await ConversationTestHost.StartAsync(new ScriptedChatClient(), directory: directory, provider: provider))
        {
            // What a killed process leaves behind: a committed user turn and a flushed, still "generating" answer.
            var session = await first.Service.CreateSessionAsync(actor, null, null, default);
            await first.DbAsync(async db =>
            {
                var user = new ChatMessageRecord { Id = Guid.CreateVersion7(), SessionId = session.Id, Sequence = 1, Role = MessageRole.User, Content = "q", Status = MessageStatus.Complete, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
                db.Messages.Add(user);
                db.Messages.Add(new ChatMessageRecord { Id = answerId, SessionId = session.Id, ParentId = user.Id, Sequence = 2, Role = MessageRole.Assistant, Content = "saved text", Status = MessageStatus.Generating, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
                return await db.SaveChangesAsync();
            });
        }

        await using var second = await ConversationTestHost.StartAsync(new ScriptedChatClient(), directory: directory, startHostedServices: true, provider: provider);
        var answer = await second.MessageAsync(answerId);
        Assert.Equal(MessageStatus.Interrupted, answer.Status);
        Assert.Equal("saved text", answer.Content);
        Assert.Equal(0, await second.DbAsync(db => db.Messages.CountAsync(m => m.Status == MessageStatus.Generating)));
        await second.DisposeAsync();
        await TestDatabase.DropAsync(provider, directory); // the hosts did not own the folder, so neither dropped its database
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task PromptAboveClearance_IsRefused_AndNothingIsStored()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst(clearance: ClassificationLevel.Confidential);
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);

        await Assert.ThrowsAsync<MarkingNotPermittedException>(() => host.Turns.SendAsync(actor, session.Id, "x", _secret, null, default));
        await Assert.ThrowsAsync<MarkingNotPermittedException>(() =>
            host.Turns.SendAsync(actor, session.Id, "x", new Marking(ClassificationLevel.Confidential, ["SI"]), null, default));
        Assert.Equal(0, await host.DbAsync(db => db.Messages.CountAsync()));
    }

    [Fact]
    public async Task PromptMarking_DefaultsToSessionMarking_AndAnswerIsAtLeastPrompt_AndSessionIsTheJoin()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst("analyst-1", ClassificationLevel.TopSecret, "SI");
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);

        var first = await host.Turns.SendAsync(actor, session.Id, "one", new Marking(ClassificationLevel.Secret, ["NOFORN"]), null, default);
        (await model.NextCallAsync()).Complete();
        var firstAnswer = await host.FinishedAsync(first.AnswerId);
        Assert.Equal(new Marking(ClassificationLevel.Secret, ["NOFORN"]), firstAnswer.Marking);

        // No marking given: the session's (now SECRET//NOFORN), not UNCLASSIFIED.
        var second = await host.Turns.SendAsync(actor, session.Id, "two", null, null, default);
        (await model.NextCallAsync()).Complete();
        await host.FinishedAsync(second.AnswerId);
        Assert.Equal(new Marking(ClassificationLevel.Secret, ["NOFORN"]), (await host.MessageAsync(second.UserMessageId!.Value)).Marking);

        // A lower prompt marking still yields an answer marked with everything in its prompt.
        var third = await host.Turns.SendAsync(actor, session.Id, "three", new Marking(ClassificationLevel.Confidential, ["SI"]), null, default);
        (await model.NextCallAsync()).Complete();
        var thirdAnswer = await host.FinishedAsync(third.AnswerId);
        Assert.True(thirdAnswer.Marking.IsAtLeast(new Marking(ClassificationLevel.Confidential, ["SI"])));
        Assert.Equal(new Marking(ClassificationLevel.Secret, ["SI", "NOFORN"]), thirdAnswer.Marking);

        var view = await host.Service.GetConversationAsync(actor, session.Id, default);
        Assert.Equal(Marking.Join(view.Path.Select(p => p.Message.Marking)), view.Session.Marking);
        Assert.Equal(new Marking(ClassificationLevel.Secret, ["SI", "NOFORN"]), view.Session.Marking);
    }

    [Fact]
    public async Task MarkingsRoundTripLosslessly_IncludingRelTo()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst(clearance: ClassificationLevel.TopSecret);
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var marking = new Marking(ClassificationLevel.Secret, ["ORCON"], ["USA", "KOR"]);
        var authorized = actor with { Authorization = actor.Authorization with { Caveats = new HashSet<string> { "ORCON" } } };

        var turn = await host.Turns.SendAsync(authorized, session.Id, "rel", marking, null, default);
        (await model.NextCallAsync()).Complete();
        await host.FinishedAsync(turn.AnswerId);

        var stored = await host.MessageAsync(turn.UserMessageId!.Value);
        Assert.Equal(marking, stored.Marking);
        Assert.Equal(["KOR", "USA"], stored.Marking.RelTo!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Limits_LongPromptAndTooManyConcurrentGenerations_AreRefusedWithClearMessages()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, new() { ["Conversations:MaxPromptCharacters"] = "100", ["Conversations:MaxConcurrentGenerationsPerUser"] = "1" }, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);

        var tooLong = await Assert.ThrowsAsync<ConversationLimitException>(() => host.Turns.SendAsync(actor, session.Id, new string('x', 101), null, null, default));
        Assert.Contains("limit is 100", tooLong.Message, StringComparison.Ordinal);

        var first = await host.Turns.SendAsync(actor, session.Id, "one", null, null, default);
        var writer = await model.NextCallAsync();
        var busy = await Assert.ThrowsAsync<ConversationLimitException>(() => host.Turns.SendAsync(actor, session.Id, "two", null, null, default));
        Assert.Contains("already have 1", busy.Message, StringComparison.Ordinal);

        // Another user is not held back by this one.
        var other = ConversationTestHost.Analyst("analyst-2");
        var otherSession = await host.Service.CreateSessionAsync(other, null, null, default);
        var otherTurn = await host.Turns.SendAsync(other, otherSession.Id, "mine", null, null, default);
        (await model.NextCallAsync()).Complete();
        writer.Complete();
        await host.FinishedAsync(first.AnswerId);
        await host.FinishedAsync(otherTurn.AnswerId);
    }

    [Fact]
    public async Task Limits_PromptsPerMinute_RefusesTheNextWithTheWait_AndStoresNothing()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, new() { ["Conversations:MaxPromptsPerMinute"] = "2" }, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        foreach (var text in new[] { "one", "two" })
        {
            var turn = await host.Turns.SendAsync(actor, session.Id, text, null, null, default);
            (await model.NextCallAsync()).Complete();
            await host.FinishedAsync(turn.AnswerId);
        }
        var stored = (await host.Service.GetAllMessagesAsync(actor, session.Id, default)).Count;

        var refused = await Assert.ThrowsAsync<ConversationLimitException>(() => host.Turns.SendAsync(actor, session.Id, "three", null, null, default));

        Assert.Contains("2 prompts in the last minute", refused.Message, StringComparison.Ordinal);
        Assert.Matches(@"Wait \d+ s", refused.Message);
        Assert.Equal(stored, (await host.Service.GetAllMessagesAsync(actor, session.Id, default)).Count);
        // Another user is not held back by this one.
        var other = ConversationTestHost.Analyst("analyst-2");
        var otherSession = await host.Service.CreateSessionAsync(other, null, null, default);
        var otherTurn = await host.Turns.SendAsync(other, otherSession.Id, "mine", null, null, default);
        (await model.NextCallAsync()).Complete();
        await host.FinishedAsync(otherTurn.AnswerId);
    }

    [Fact]
    public async Task Sampling_IsClampedToTheRoleLimit_AndNonsenseIsRefused()
    {
        await using var host = await ConversationTestHost.StartAsync(new ScriptedChatClient(), provider: provider);
        var analyst = ConversationTestHost.Analyst();
        var admin = ConversationTestHost.Admin();

        var clamped = await host.Settings.ResolveSamplingAsync(analyst, new SamplingRequest(3.0f, 1.0f, 100_000, 7), default);
        Assert.Equal(new EffectiveSampling(1.0f, 1.0f, 1024, 7, true), clamped);

        await host.Settings.SaveRoleLimitAsync(admin, "analyst", 0.5f, 0.8f, 64, default);
        var lowered = await host.Settings.ResolveSamplingAsync(analyst, new SamplingRequest(0.9f, 0.95f, 128, 1), default);
        Assert.Equal(new EffectiveSampling(0.5f, 0.8f, 64, 1, true), lowered);

        await Assert.ThrowsAsync<ConversationLimitException>(() => host.Settings.ResolveSamplingAsync(analyst, new SamplingRequest(-1f), default));
        await Assert.ThrowsAsync<ConversationOperationException>(() => host.Settings.SaveRoleLimitAsync(analyst, "Analyst", 2f, 1f, 10, default));
    }

    [Fact]
    public async Task Personas_ThreeAreSeeded_AndOnlyAdminsChangeThem_AndTheChosenOneIsTheSystemPrompt()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var personas = await host.Settings.ListPersonasAsync(false, default);
        Assert.Equal(["BLUF brief writer", "Intelligence summary", "Korean↔English translator"], personas.Select(p => p.Name));

        var analyst = ConversationTestHost.Analyst();
        await Assert.ThrowsAsync<ConversationOperationException>(() => host.Settings.SavePersonaAsync(analyst, null, "Mine", "prompt", false, default));
        var created = await host.Settings.SavePersonaAsync(ConversationTestHost.Admin(), null, "Red team", "You argue the opposite case.", false, default);

        var session = await host.Service.CreateSessionAsync(analyst, "t", created.Id, default);
        var turn = await host.Turns.SendAsync(analyst, session.Id, "hi", null, null, default);
        (await model.NextCallAsync()).Complete();
        await host.FinishedAsync(turn.AnswerId);
        Assert.Equal("You argue the opposite case.", model.Prompts[0][0].Text);
        Assert.Equal("system", model.Prompts[0][0].Role.Value);
    }

    [Fact]
    public async Task Sessions_RenamePinArchiveSearchAndSoftDelete()
    {
        await using var host = await ConversationTestHost.StartAsync(new ScriptedChatClient(), provider: provider);
        var actor = ConversationTestHost.Analyst();
        var a = await host.Service.CreateSessionAsync(actor, "Alpha brief", null, default);
        var b = await host.Service.CreateSessionAsync(actor, "Bravo notes", null, default);
        await host.Service.SetPinnedAsync(actor, a.Id, true, default);
        await host.Service.RenameAsync(actor, b.Id, "  Bravo   final ", default);

        var list = await host.Service.ListSessionsAsync(actor, null, false, default);
        Assert.Equal(["Alpha brief", "Bravo final"], list.Select(s => s.Title));
        Assert.Equal(["Bravo final"], (await host.Service.ListSessionsAsync(actor, "final", false, default)).Select(s => s.Title));
        // The same search on both providers: case does not matter (SQLite's LIKE; PostgreSQL's ILIKE).
        Assert.Equal(["Bravo final"], (await host.Service.ListSessionsAsync(actor, "FINAL", false, default)).Select(s => s.Title));

        await host.Service.SetArchivedAsync(actor, a.Id, true, default);
        Assert.Equal(["Alpha brief"], (await host.Service.ListSessionsAsync(actor, null, true, default)).Select(s => s.Title));

        await host.Service.DeleteAsync(actor, b.Id, default);
        Assert.Empty(await host.Service.ListSessionsAsync(actor, null, false, default));
        await Assert.ThrowsAsync<ConversationNotFoundException>(() => host.Service.GetConversationAsync(actor, b.Id, default));
        Assert.NotNull(await host.DbAsync(db => db.Sessions.SingleAsync(s => s.Id == b.Id)).ContinueWith(t => t.Result.DeletedAt));

        // Someone else's session is not found, not shown.
        await Assert.ThrowsAsync<ConversationNotFoundException>(() => host.Service.GetConversationAsync(ConversationTestHost.Analyst("intruder"), a.Id, default));
    }

    [Fact]
    public async Task Turn_WritesPromptBeforeCommitAndGenerationAfter_ToTheAuditLog_WithHashMarkingAndSeed()
    {
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, provider: provider);
        var actor = ConversationTestHost.Analyst() with { Name = "analyst" };
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "secret prompt text", _secret, new SamplingRequest(Seed: 99), default);
        (await model.NextCallAsync()).Complete();
        await host.FinishedAsync(turn.AnswerId);

        var audit = host.Host.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AxWorkbench.Core.Data.WorkbenchDbContext>>();
        await using var db = await audit.CreateDbContextAsync();
        var records = await db.Database.SqlQueryRaw<AuditRow>(
            $"SELECT \"Action\", \"Actor\", \"Marking\", \"Details\" FROM \"{AxWorkbench.Core.Audit.AuditData.TableName}\" ORDER BY \"Sequence\"").ToListAsync();
        var prompt = Assert.Single(records, r => r.Action == "chat.prompt");
        var generation = Assert.Single(records, r => r.Action == "chat.generation");
        Assert.Equal("analyst", prompt.Actor);
        Assert.Contains(ConversationTurns.Sha256("secret prompt text"), prompt.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("secret prompt text", prompt.Details, StringComparison.Ordinal);
        Assert.Contains("Secret", prompt.Marking ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"seed\":99", generation.Details, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"complete\"", generation.Details, StringComparison.Ordinal);
    }

    public sealed record AuditRow(string Action, string Actor, string? Marking, string Details);

    internal static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }
}
