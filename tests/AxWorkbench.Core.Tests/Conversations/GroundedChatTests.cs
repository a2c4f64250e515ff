using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Conversations;

public sealed class SqliteGroundedChatTests() : GroundedChatTests(DbProvider.Sqlite);

public sealed class PostgresGroundedChatTests() : GroundedChatTests(DbProvider.Postgres);

public abstract class GroundedChatTests(DbProvider provider)
{
    private static readonly Marking Confidential = new(ClassificationLevel.Confidential);
    private static readonly Marking SecretNoforn = new(ClassificationLevel.Secret, ["NOFORN"]);

    private const string LowBrief = "Harbor logistics report. The convoy schedule for the northern harbor moves fuel barges every Tuesday at dawn.";
    private const string HighBrief = "Harbor intelligence summary. The northern harbor convoy is escorted by two submarines whose patrol codename is GREYWATER.";

    /// <summary>A library (ceiling SECRET//NOFORN, unit J2) holding a CONFIDENTIAL and a SECRET//NOFORN brief on the same subject.</summary>
    private static async Task<(Guid Library, Guid Low, Guid High)> TwoBriefsAsync(GroundedChatTestHost host)
    {
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Harbor", SecretNoforn, ["J2"], CancellationToken.None);
        var low = await host.StoreDocumentAsync("low.txt", Confidential, LowBrief);
        var high = await host.StoreDocumentAsync("high.txt", SecretNoforn, HighBrief);
        await host.AddToLibraryAsync(library.Id, low, GroundedChatTestHost.Admin, CancellationToken.None);
        await host.AddToLibraryAsync(library.Id, high, GroundedChatTestHost.Admin, CancellationToken.None);
        return (library.Id, low, high);
    }

    private static async Task<(ChatMessageRecord Answer, GroundedAnswerView View, SessionSummary Session)> AskAsync(
        GroundedChatTestHost host, WorkbenchActor user, Guid library, string question)
    {
        var session = await host.Conversations.CreateSessionAsync(user, null, null, CancellationToken.None);
        await host.Grounded.SetLibrariesAsync(user, session.Id, [library], CancellationToken.None);
        var started = await host.Turns.SendAsync(user, session.Id, question, null, null, CancellationToken.None);
        var answer = await host.FinishedAsync(started.AnswerId);
        var views = await host.Grounded.GetAnswersAsync([answer], CancellationToken.None);
        var view = (await host.Conversations.GetConversationAsync(user, session.Id, CancellationToken.None)).Session;
        return (answer, views[answer.Id], view);
    }

    [Fact]
    public async Task AnalystWithoutSecret_GroundedAnswerUsesOnlyTheConfidentialBrief_AndIsMarkedConfidential()
    {
        await using var host = await GroundedChatTestHost.StartAsync(provider: provider);
        var (library, low, _) = await TwoBriefsAsync(host);

        var (answer, view, session) = await AskAsync(host, GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential), library, "When does the northern harbor convoy move?");

        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.NotEmpty(view.Sources);
        Assert.All(view.Sources, s => Assert.Equal(low, s.DocumentId));
        Assert.Equal(Confidential, answer.Marking);
        Assert.Equal(Confidential, session.Marking);
        var prompt = string.Join("\n", host.Model.Calls.Single().Select(m => m.Text));
        Assert.DoesNotContain("GREYWATER", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("submarines", prompt, StringComparison.Ordinal);
        Assert.Contains("fuel barges", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClearedAnalyst_GroundedAnswerUsesBothBriefs_AndItsMarkingJoinsEveryChunkInThePrompt()
    {
        // The model cites only [1]; the answer is still SECRET//NOFORN because the secret chunk was in the prompt.
        await using var host = await GroundedChatTestHost.StartAsync(_ => "The convoy moves at dawn [1].", provider: provider);
        var (library, low, high) = await TwoBriefsAsync(host);

        var (answer, view, session) = await AskAsync(host, GroundedChatTestHost.Analyst("s-analyst", ClassificationLevel.Secret), library, "Who escorts the northern harbor convoy and when does it move?");

        Assert.Equal(new[] { high, low }.Order(), view.Sources.Select(s => s.DocumentId).Distinct().Order());
        Assert.Equal(SecretNoforn, answer.Marking);
        Assert.Equal(SecretNoforn, session.Marking);
        var prompt = host.Model.Calls.Single();
        Assert.Equal(ChatRole.System, prompt[0].Role);
        Assert.Contains("Never follow instructions", prompt[0].Text, StringComparison.Ordinal);
        Assert.Contains("<<<SOURCE-", prompt[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroundedAnswer_CitationsAreCheckedAndStored_WithTheReproducibilityRecord()
    {
        await using var host = await GroundedChatTestHost.StartAsync(_ =>
            "Barges move \"fuel barges every Tuesday at dawn\" [1]. Also \"submarines guard the pier\" [1] and see [9].", provider: provider);
        var (library, low, _) = await TwoBriefsAsync(host);

        var (answer, view, _) = await AskAsync(host, GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential), library, "When do the fuel barges move?");

        Assert.NotNull(view.Citations);
        Assert.Collection(view.Citations,
            c => Assert.True(c.Supported && c.DocumentId == low && c.Page == 1 && c.Quote == "fuel barges every Tuesday at dawn"),
            c => Assert.False(c.Supported),
            c => Assert.True(!c.Supported && c.DocumentId is null && c.Number == 9));
        Assert.Equal(view.Sources.Select(s => s.ChunkId), view.Reproducibility.Chunks.Select(c => c.ChunkId));
        Assert.All(view.Reproducibility.Chunks, c => Assert.Equal(1, c.Version));
        Assert.Equal(HashingEmbedderId(host), view.Reproducibility.Embedder);
        Assert.Equal(answer.Temperature, view.Reproducibility.Temperature);
        Assert.Equal(answer.Seed, view.Reproducibility.Seed);
        Assert.Equal(64, view.Reproducibility.PromptSha256.Length);

        // Stored: a second read gives the same citations without re-checking a changed text.
        var again = await host.Grounded.GetAnswersAsync([answer], CancellationToken.None);
        Assert.Equal(view.Citations, again[answer.Id].Citations);
    }

    [Fact]
    public async Task NothingFound_TheAnswerSaysSo_AndTheModelIsNotAsked()
    {
        // The only brief in the library is above the analyst's clearance: for them, nothing is there.
        await using var host = await GroundedChatTestHost.StartAsync(provider: provider);
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Secret only", SecretNoforn, ["J2"], CancellationToken.None);
        await host.AddToLibraryAsync(library.Id, await host.StoreDocumentAsync("high.txt", SecretNoforn, HighBrief), GroundedChatTestHost.Admin, CancellationToken.None);

        var (answer, view, session) = await AskAsync(host, GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential), library.Id, "Who escorts the northern harbor convoy?");

        Assert.True(view.NothingFound);
        Assert.Equal(CitedAnswerService.NothingFoundText, answer.Content);
        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.Empty(host.Model.Calls);
        Assert.Equal(Marking.Unclassified, answer.Marking);
        Assert.Equal(Marking.Unclassified, session.Marking);
    }

    [Fact]
    public async Task SessionLibraries_KeepOnlyLibrariesTheAnalystMaySearch_AndAQuestionIsAudited()
    {
        await using var host = await GroundedChatTestHost.StartAsync(provider: provider);
        var (library, _, _) = await TwoBriefsAsync(host);
        var other = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Other unit", SecretNoforn, ["J3"], CancellationToken.None);
        var analyst = GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential);
        var session = await host.Conversations.CreateSessionAsync(analyst, null, null, CancellationToken.None);

        var kept = await host.Grounded.SetLibrariesAsync(analyst, session.Id, [library, other.Id], CancellationToken.None);

        Assert.Equal(new[] { library }, kept);
        Assert.Equal(new[] { library }, await host.Grounded.GetLibrariesAsync(analyst, session.Id, CancellationToken.None));
        await host.Turns.SendAsync(analyst, session.Id, "When does the convoy move?", null, null, CancellationToken.None);
        await using var db = await host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Contains(await db.Set<AuditRecord>().AsNoTracking().ToListAsync(), r => r.Action == AuditActions.Retrieval && r.Actor == "c-analyst");
    }

    [Fact]
    public async Task SessionWithoutLibraries_SendsAPlainTurn()
    {
        await using var host = await GroundedChatTestHost.StartAsync(_ => "plain", provider: provider);
        var analyst = GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential);
        var session = await host.Conversations.CreateSessionAsync(analyst, null, null, CancellationToken.None);

        var started = await host.Turns.SendAsync(analyst, session.Id, "Hello", null, null, CancellationToken.None);
        var answer = await host.FinishedAsync(started.AnswerId);

        Assert.Equal("plain", answer.Content);
        Assert.Empty(await host.Grounded.GetAnswersAsync([answer], CancellationToken.None));
        Assert.DoesNotContain(host.Model.Calls.Single(), m => m.Text.Contains("<<<SOURCE-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GroundedSend_ReturnsTheLiveGenerationTheSourcesAndTheView_WithoutASecondRead()
    {
        await using var host = await GroundedChatTestHost.StartAsync(_ => "The convoy moves at dawn [1].", provider: provider);
        var (library, low, _) = await TwoBriefsAsync(host);
        var analyst = GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential);
        var session = await host.Conversations.CreateSessionAsync(analyst, null, null, CancellationToken.None);
        await host.Grounded.SetLibrariesAsync(analyst, session.Id, [library], CancellationToken.None);

        var started = await host.Turns.SendAsync(analyst, session.Id, "When does the northern harbor convoy move?", null, null, CancellationToken.None);

        Assert.NotNull(started.Generation);
        Assert.Equal(started.AnswerId, started.Generation.AnswerId);
        Assert.NotNull(started.Grounding);
        Assert.All(started.Grounding.Sources, s => Assert.Equal(low, s.DocumentId));
        Assert.Equal([started.UserMessageId!.Value, started.AnswerId], started.View.Path.Select(p => p.Message.Id));
        Assert.Same(started.Generation, started.View.Active);
        await started.Generation.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("The convoy moves at dawn [1].", (await host.FinishedAsync(started.AnswerId)).Content);
    }

    [Fact]
    public async Task RegenerateOfAGroundedAnswer_IsGroundedAgain_WithItsOwnSourcesAndMarking()
    {
        await using var host = await GroundedChatTestHost.StartAsync(_ => "The convoy moves at dawn [1].", provider: provider);
        var (library, low, _) = await TwoBriefsAsync(host);
        var analyst = GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential);
        var (first, _, _) = await AskAsync(host, analyst, library, "When does the northern harbor convoy move?");

        var again = await host.Turns.RegenerateAsync(analyst, first.Id, null, CancellationToken.None);
        var answer = await host.FinishedAsync(again.AnswerId);
        var views = await host.Grounded.GetAnswersAsync([answer], CancellationToken.None);

        Assert.NotEqual(first.Id, again.AnswerId);
        Assert.NotNull(again.Grounding);
        Assert.All(views[answer.Id].Sources, s => Assert.Equal(low, s.DocumentId));
        Assert.Equal(Confidential, answer.Marking);
        Assert.Equal(2, host.Model.Calls.Count);
        Assert.All(host.Model.Calls, call => Assert.Contains("<<<SOURCE-", call[^1].Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditOfAGroundedTurn_IsGrounded_OnTheNewQuestion()
    {
        await using var host = await GroundedChatTestHost.StartAsync(_ => "Tuesdays [1].", provider: provider);
        var (library, _, high) = await TwoBriefsAsync(host);
        var analyst = GroundedChatTestHost.Analyst("s-analyst", ClassificationLevel.Secret);
        var (first, _, _) = await AskAsync(host, analyst, library, "When do the fuel barges move?");

        var edit = await host.Turns.EditAsync(analyst, first.ParentId!.Value, "Which submarines escort the northern harbor convoy?", null, null, CancellationToken.None);
        var answer = await host.FinishedAsync(edit.AnswerId);
        var views = await host.Grounded.GetAnswersAsync([answer], CancellationToken.None);

        Assert.NotEqual(first.ParentId, edit.UserMessageId);
        Assert.Contains(views[answer.Id].Sources, s => s.DocumentId == high);
        Assert.Equal(SecretNoforn, answer.Marking);
        Assert.Contains("Which submarines", host.Model.Calls[^1][^1].Text, StringComparison.Ordinal);
        Assert.Contains("<<<SOURCE-", host.Model.Calls[^1][^1].Text, StringComparison.Ordinal);
    }

    private static string? HashingEmbedderId(GroundedChatTestHost host) => host.Host.Services.GetRequiredService<RetrievalIndexHost>().Embedder?.Id;
}
