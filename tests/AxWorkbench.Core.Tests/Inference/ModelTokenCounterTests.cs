using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Token counts: exact from the loaded fixture's tokenizer and chat template; an honest over-estimate without a model.</summary>
[Collection(ModelCollection.Name)]
public sealed class ModelTokenCounterTests(ModelFixture fixture)
{
    private ModelTokenCounter Counter => new(fixture.Engine, Options.Create(fixture.Options));

    public static TheoryData<string> Texts => new()
    {
        "a",
        "Summary of the port activity on the northern coast.",
        "북쪽 해안 활동을 요약해 주세요.",
        "위협 평가: 북쪽 해안 선박 이동 증가 — 신뢰도 높음",
        "혼합 text 한국어 and English 漢字 ✓ <|im_start|> 🚢",
        "(S//REL) 병력 이동: 3개 대대, 02:00 출발. Confidence: moderate.",
    };

    [Fact]
    public void WithTheModelLoaded_CountsAreExact_AndTheContextIsTheEngines()
    {
        Assert.True(Counter.IsExact);
        Assert.Equal(fixture.Engine.Info!.ContextLength, Counter.ContextSize);
        Assert.Equal(0, Counter.CountTokens(string.Empty));
        Assert.Equal(fixture.Engine.CountTextTokens("hello analysis"), Counter.CountTokens("hello analysis"));
    }

    [Fact]
    public async Task ChatCount_IsWhatTheEngineReportsAsPromptTokens()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, "You are an analyst assistant."),
            new(ChatRole.User, "북쪽 해안 활동을 요약해 주세요."),
            new(ChatRole.Assistant, "선박 이동이 늘었습니다."),
            new(ChatRole.User, "And the air picture?"),
        ];
        var response = await new LocalChatClient(fixture.Engine).GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 2, Seed = 1 });
        Assert.Equal(response.Usage!.InputTokenCount, Counter.CountChatTokens(messages));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void TheEstimate_IsNeverUnderTheRealCount_EnglishOrKorean(string text)
    {
        var exact = Counter.CountTokens(text);
        var estimate = ModelTokenCounter.EstimateTokens(text);
        Assert.True(estimate >= exact, $"estimate {estimate} < real {exact} for '{text}'");

        (string, string)[] turns = [("system", "You are an analyst assistant."), ("user", text)];
        var chatExact = Counter.CountChatTokens(turns.Select(t => new ChatMessage(new ChatRole(t.Item1), t.Item2)));
        var chatEstimate = ModelTokenCounter.EstimateChatTokens(turns);
        Assert.True(chatEstimate >= chatExact, $"chat estimate {chatEstimate} < real {chatExact} for '{text}'");
    }

    [Fact]
    public void WithoutAModel_CountsAreTheDocumentedEstimate()
    {
        using var idle = new InferenceEngine(Options.Create(new InferenceOptions { ContextSize = 1024 }));
        var counter = new ModelTokenCounter(idle, Options.Create(new InferenceOptions { ContextSize = 1024 }));
        Assert.False(counter.IsExact);
        Assert.Equal(1024, counter.ContextSize);
        Assert.Equal(0, counter.CountTokens(string.Empty));
        Assert.Equal(6, counter.CountTokens("hello")); // 5 bytes + 1
        Assert.Equal(10, counter.CountTokens("한국어")); // 9 bytes + 1
        ChatMessage[] chat = [new(ChatRole.User, "hi")];
        Assert.Equal(ModelTokenCounter.EstimateChatTokens([("user", "hi")]), counter.CountChatTokens(chat));
        Assert.True(counter.CountChatTokens(chat) > counter.CountTokens("hi"));
    }
}
