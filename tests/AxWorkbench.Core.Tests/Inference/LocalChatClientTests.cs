using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Tests.Inference;

[Collection(ModelCollection.Name)]
public sealed class LocalChatClientTests(ModelFixture fixture)
{
    private IChatClient Client => new LocalChatClient(fixture.Engine);

    private static readonly ChatMessage[] Messages =
    [
        new(ChatRole.System, "You are an analyst assistant."),
        new(ChatRole.User, "북쪽 해안 활동을 요약해 주세요."),
    ];

    [Fact]
    public async Task GetResponseAsync_ReturnsTextWithUsageAndFinishReason()
    {
        var response = await Client.GetResponseAsync(Messages, new ChatOptions { MaxOutputTokens = 10, Seed = 3, Temperature = 0.7f, TopP = 0.9f });
        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(10, response.Usage!.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 10);
        Assert.Equal(response.Usage.InputTokenCount + 10, response.Usage.TotalTokenCount);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamsTheSameTextAsTheNonStreamingCall()
    {
        var options = new ChatOptions { MaxOutputTokens = 12, Seed = 21, Temperature = 0 }; // greedy: see SharedSystemPrompt test
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in Client.GetStreamingResponseAsync(Messages, options))
        {
            updates.Add(u);
        }

        var streamed = updates.ToChatResponse();
        var whole = await Client.GetResponseAsync(Messages, options);
        Assert.True(updates.Count(u => u.Text.Length > 0) > 1);
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Equal(ChatFinishReason.Length, streamed.FinishReason);
        Assert.Equal(12, streamed.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Streaming_CancelledByTheCaller_StopsWithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in Client.GetStreamingResponseAsync(Messages, new ChatOptions { MaxOutputTokens = 500 }, cts.Token))
            {
                if (u.Text.Length > 0 && ++count == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(2, count);
    }

    [Fact]
    public async Task BackgroundPriorityAndUser_ArePassedThroughInferenceChatOptions()
    {
        var options = new ChatOptions { MaxOutputTokens = 3 }.ForUser("kim").WithPriority(RequestPriority.Background);
        var response = await Client.GetResponseAsync(Messages, options);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task WhileWaitingForASlot_StreamingYieldsQueueUpdates_ReadWithInferenceChatOptions()
    {
        var engine = fixture.Engine;
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (engine.Metrics is not { ActiveSequences: 0, QueueDepth: 0 })
        {
            await Task.Delay(2, patience.Token); // polling a condition, not a fixed sleep
        }

        var permits = new SemaphoreSlim(0, int.MaxValue);
        fixture.Gate.Hold(permits);
        var running = new List<GenerationStream>();
        try
        {
            running.AddRange(Enumerable.Range(0, 4).Select(i => engine.Submit(new GenerationRequest { Prompt = "busy " + i, MaxTokens = 50, UserId = "other" + i })));
            while (engine.Metrics.ActiveSequences < 4)
            {
                await Task.Delay(2, patience.Token);
            }

            var updates = Client.GetStreamingResponseAsync(Messages, new ChatOptions { MaxOutputTokens = 2 }.ForUser("kim"), patience.Token).GetAsyncEnumerator(patience.Token);
            await using (updates)
            {
                Assert.True(await updates.MoveNextAsync());
                Assert.Equal(1, updates.Current.GetQueuePosition());
                Assert.Equal(string.Empty, updates.Current.Text);

                foreach (var s in running)
                {
                    s.Cancel();
                }

                fixture.Gate.Open();
                var text = new System.Text.StringBuilder();
                while (await updates.MoveNextAsync())
                {
                    text.Append(updates.Current.Text);
                    if (updates.Current.Text.Length > 0)
                    {
                        Assert.Null(updates.Current.GetQueuePosition());
                    }
                }

                Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
            }
        }
        finally
        {
            fixture.Gate.Open();
            permits.Release(1000);
            foreach (var s in running)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public async Task SharedSystemPrompt_IsEvaluatedOnceAndReused_WithTheSameResult()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, $"Case {Guid.NewGuid():N}: you are an analyst assistant; cite the brief, mark each portion, answer in Korean or English."),
            new(ChatRole.User, "summary of the port activity"),
        ];
        // Greedy: the reused run evaluates the last prompt token in a batch of one instead of with the whole prompt,
        // which may round differently; sampling at a temperature could then pick a neighbouring token.
        var options = new ChatOptions { MaxOutputTokens = 12, Seed = 99, Temperature = 0 };
        var hits = fixture.Engine.PrefixHits;
        var first = await Client.GetResponseAsync(messages, options);
        Assert.Equal(hits, fixture.Engine.PrefixHits); // a new system prompt: evaluated, then kept
        var second = await Client.GetResponseAsync(messages, options);
        Assert.Equal(hits + 1, fixture.Engine.PrefixHits); // copied from the cache instead of re-evaluated
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public void ChatTemplate_FromTheGguf_IsChatMl()
    {
        var prompt = fixture.Engine.ApplyChatTemplate([("user", "hi")]);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", prompt);
    }
}
