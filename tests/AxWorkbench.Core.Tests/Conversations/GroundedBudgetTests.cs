using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Conversations;

/// <summary>
/// Issue 18's first failure: on the default settings (a 2048-token context, 200-word chunks, 256-token answers) a
/// grounded question over long briefs failed with "The prompt has 2466 tokens but a conversation holds at most 2048".
/// Sources are now placed while the whole prompt, counted by the model's own tokenizer, plus the answer fits.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class GroundedBudgetTests(ITestOutputHelper output)
{
    private static readonly Marking Confidential = new(ClassificationLevel.Confidential);

    /// <summary>A long brief: pages of border-activity reporting, English or Korean.</summary>
    private static string[] LongBrief(int number, bool korean) =>
        [.. Enumerable.Range(1, 3).Select(page => string.Join(' ', Enumerable.Range(1, 14).Select(i => korean
            ? $"국경 활동 보고서 {number}-{page}-{i}: 북쪽 해안에서 선박 이동이 증가했고 대대가 새벽에 연료를 옮겼다. 신뢰도는 높음이다."
            : $"Border activity brief {number}, page {page}, item {i}: the brief reported artillery moved north of the river at dawn and fuel convoys crossed the border.")))];

    [Fact]
    public async Task LongBriefs_OnTheDefaultSettings_TheGroundedAnswerCompletes_WithSourcesLeftOut()
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-budget-" + Guid.NewGuid().ToString("N"));
        var inference = new InferenceOptions { FixtureSize = "small", FixtureDirectory = Path.Combine(directory, "models"), Threads = 2 };
        using var engine = new InferenceEngine(Options.Create(inference));
        await engine.LoadAsync();
        Assert.Equal(ModelState.Ready, engine.State);
        var tokens = new ModelTokenCounter(engine, Options.Create(inference));
        Assert.Equal(2048, tokens.ContextSize);

        var defaults = new RetrievalOptions();
        await using var host = await GroundedChatTestHost.StartAsync(configure: builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Retrieval:ChunkWords"] = defaults.ChunkWords.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Retrieval:OverlapWords"] = defaults.OverlapWords.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            builder.Services.AddSingleton<IChatClient>(new LocalChatClient(engine));
            builder.Services.AddSingleton<ITokenCounter>(tokens);
        });
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Demo briefs", Confidential, ["J2"], CancellationToken.None);
        for (var i = 1; i <= 6; i++)
        {
            var document = await host.StoreDocumentAsync($"border-{i}.txt", Confidential, LongBrief(i, korean: i % 2 == 0));
            await host.AddToLibraryAsync(library.Id, document, GroundedChatTestHost.Admin, CancellationToken.None);
        }

        var analyst = GroundedChatTestHost.Analyst("analyst", ClassificationLevel.Secret);
        var session = await host.Conversations.CreateSessionAsync(analyst, null, null, CancellationToken.None);
        await host.Grounded.SetLibrariesAsync(analyst, session.Id, [library.Id], CancellationToken.None);
        const string question = "What did the border activity brief report?";
        var retrieved = await host.Retrieval.SearchAsync(analyst, new SearchRequest(question, 16, [library.Id]), CancellationToken.None);
        var retrievedTokens = retrieved.Hits.Take(8).Sum(h => tokens.CountTokens(h.Text));

        var started = await host.Turns.SendAsync(analyst, session.Id, question, null, null, CancellationToken.None);
        var answer = await host.FinishedAsync(started.AnswerId);
        var view = (await host.Grounded.GetAnswersAsync([answer], CancellationToken.None))[answer.Id];

        output.WriteLine($"context {tokens.ContextSize}; the 8 best passages alone {retrievedTokens} tokens; placed {view.Sources.Count}, left out {view.SourcesLeftOut}; " +
            $"prompt {answer.PromptTokens} + answer up to {answer.MaxTokens} (generated {answer.CompletionTokens}); status {answer.Status} {answer.Error}");
        Assert.True(retrievedTokens > tokens.ContextSize, "the passages found must not all fit (the reported failure)");
        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.NotEmpty(view.Sources);
        Assert.True(view.SourcesLeftOut > 0);
        Assert.NotNull(answer.PromptTokens);
        Assert.True(answer.PromptTokens + answer.MaxTokens <= tokens.ContextSize, $"prompt {answer.PromptTokens} + answer {answer.MaxTokens} > {tokens.ContextSize}");
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }

    [Fact]
    public async Task QuestionTooLongForTheContextEvenAlone_IsRefusedWithAClearMessage_BeforeTheTurnIsStored()
    {
        await using var host = await GroundedChatTestHost.StartAsync(configure: builder =>
            builder.Services.AddSingleton(TestTokenCounters.Estimating(1200)));
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Briefs", Confidential, ["J2"], CancellationToken.None);
        var document = await host.StoreDocumentAsync("border.txt", Confidential, LongBrief(1, korean: false));
        await host.AddToLibraryAsync(library.Id, document, GroundedChatTestHost.Admin, CancellationToken.None);
        var analyst = GroundedChatTestHost.Analyst("analyst", ClassificationLevel.Secret);
        var session = await host.Conversations.CreateSessionAsync(analyst, null, null, CancellationToken.None);
        await host.Grounded.SetLibrariesAsync(analyst, session.Id, [library.Id], CancellationToken.None);

        var question = string.Join(' ', Enumerable.Repeat("What did the border activity brief report about artillery?", 12));
        var refused = await Assert.ThrowsAsync<ConversationLimitException>(() => host.Turns.SendAsync(analyst, session.Id, question, null, null, CancellationToken.None));

        Assert.Contains("reserved for the answer", refused.Message, StringComparison.Ordinal);
        Assert.Empty(host.Model.Calls);
        Assert.Empty((await host.Conversations.GetConversationAsync(analyst, session.Id, CancellationToken.None)).Path);
    }
}
