using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>One real workbench with <c>/v1</c> on (fixture model, MiniLM embedder, one generation at a time, no queue) and its keys.</summary>
public sealed class ApiNodeFixture : IAsyncLifetime
{
    public ApiNode Node { get; } = ApiNode.Create(
        "--Inference:MaxParallelSequences=1", "--Inference:MaxQueueLength=0", "--Api:MaxTokens=4000", "--Api:MaxRequestBytes=65536");

    public string Key { get; private set; } = "";

    public string RevokedKey { get; private set; } = "";

    public string ExpiringKey { get; private set; } = "";

    public DateTime ExpiringAt { get; private set; }

    public string LimitedKey { get; private set; } = "";

    public string ModelId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Key = await Node.AddKeyAsync("tool", "--clearance", "SECRET", "--unit", "J2", "--requests-per-minute", "10000");
        RevokedKey = await Node.AddKeyAsync("gone", "--clearance", "SECRET", "--unit", "J2");
        Assert.Equal(0, (await Node.KeysAsync("revoke", "gone")).Exit);
        ExpiringAt = DateTime.UtcNow.AddSeconds(20);
        ExpiringKey = await Node.AddKeyAsync("brief", "--clearance", "SECRET", "--unit", "J2", "--expires", ExpiringAt.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        LimitedKey = await Node.AddKeyAsync("slow", "--clearance", "CONFIDENTIAL", "--unit", "J3", "--requests-per-minute", "2");
        await Node.StartAsync();
        var models = await Client().GetOpenAIModelClient().GetModelsAsync();
        ModelId = models.Value.Single().Id;
    }

    public OpenAIClient Client(string? key = null) =>
        new(new ApiKeyCredential(key ?? Key), new OpenAIClientOptions { Endpoint = Node.V1, RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) });

    public ChatClient Chat(string? key = null) => Client(key).GetChatClient(ModelId);

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>The official OpenAI .NET client, and raw HTTP, against a running workbench's <c>/v1</c>.</summary>
public sealed partial class ApiEndpointTests(ApiNodeFixture fixture) : IClassFixture<ApiNodeFixture>
{
    private static readonly ChatMessage[] Question = [new SystemChatMessage("You are terse."), new UserChatMessage("Summarize the convoy report.")];

    private static ChatCompletionOptions Options(int maxTokens, long seed = 7, params string[] stop)
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = maxTokens, Temperature = 0.9f, TopP = 0.95f };
#pragma warning disable OPENAI001 // Seed is marked experimental in the client
        options.Seed = seed;
#pragma warning restore OPENAI001
        foreach (var s in stop)
        {
            options.StopSequences.Add(s);
        }

        return options;
    }

    [Fact]
    public async Task Models_ListsTheServedModel()
    {
        var models = await fixture.Client().GetOpenAIModelClient().GetModelsAsync();

        Assert.Equal(fixture.ModelId, Assert.Single(models.Value).Id);
        Assert.EndsWith(".gguf", fixture.ModelId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonStreaming_MaxTokens_EndsWithLengthAndCountsUsage()
    {
        ChatCompletion completion = await fixture.Chat().CompleteChatAsync(Question, Options(12));

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(12, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 10, $"prompt tokens {completion.Usage.InputTokenCount}");
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(fixture.ModelId, completion.Model);
    }

    [Fact]
    public async Task SameSeed_SameText_StreamingAndNot()
    {
        var first = (await fixture.Chat().CompleteChatAsync(Question, Options(16, seed: 1234))).Value.Content[0].Text;
        var second = (await fixture.Chat().CompleteChatAsync(Question, Options(16, seed: 1234))).Value.Content[0].Text;
        var streamed = await StreamAsync(Options(16, seed: 1234));
        var other = (await fixture.Chat().CompleteChatAsync(Question, Options(16, seed: 99))).Value.Content[0].Text;

        Assert.Equal(first, second);
        Assert.Equal(first, streamed.Text);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task Streaming_CarriesTextFinishReasonAndUsage()
    {
        var streamed = await StreamAsync(Options(10));

        Assert.Equal(ChatFinishReason.Length, streamed.Finish);
        Assert.NotNull(streamed.Usage);
        Assert.Equal(10, streamed.Usage!.OutputTokenCount);
        Assert.True(streamed.Pieces > 1, "the answer came in one piece: not streamed");
    }

    [Fact]
    public async Task Stop_EndsTheAnswerBeforeTheStopText_WithFinishReasonStop()
    {
        var full = (await fixture.Chat().CompleteChatAsync(Question, Options(40, seed: 5))).Value.Content[0].Text;
        var words = full.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length > 4, $"too short to pick a stop word: '{full}'");
        var stop = words[3];
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        ChatCompletion stopped = await fixture.Chat().CompleteChatAsync(Question, Options(40, 5, stop));
        var streamed = await StreamAsync(Options(40, 5, stop));

        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.Equal(expected.TrimEnd(), stopped.Content[0].Text.TrimEnd());
        Assert.DoesNotContain(stop, stopped.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, streamed.Finish);
        Assert.Equal(stopped.Content[0].Text, streamed.Text);
    }

    [Fact]
    public async Task Embeddings_OneVectorPerInput()
    {
        var embeddings = await fixture.Client().GetEmbeddingClient("all-MiniLM-L6-v2").GenerateEmbeddingsAsync(["convoy at the bridge", "weather report"]);

        Assert.Equal(2, embeddings.Value.Count);
        Assert.All(embeddings.Value, e => Assert.Equal(384, e.ToFloats().Length));
        Assert.NotEqual(embeddings.Value[0].ToFloats().ToArray(), embeddings.Value[1].ToFloats().ToArray());
    }

    [Fact]
    public async Task SseFraming_IsDataEventsThenDone_ByteForByte()
    {
        using var http = new HttpClient { BaseAddress = fixture.Node.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model = fixture.ModelId, stream = true, max_tokens = 6, seed = 3,
                messages = new[] { new { role = "user", content = "Status?" } },
            }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Key);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\n\ndata: [DONE]\n\n", body, StringComparison.Ordinal);
        var events = body[..^"data: [DONE]\n\n".Length].Split("\n\n", StringSplitOptions.None)[..^1];
        // Rebuilt from its events, the body is the same bytes: nothing but "data: <one-line JSON>\n\n" frames and the end.
        Assert.Equal(body, string.Concat(events.Select(e => e + "\n\n")) + "data: [DONE]\n\n");
        var text = new StringBuilder();
        string? finish = null;
        foreach (var e in events)
        {
            Assert.StartsWith("data: {", e, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e);
            using var chunk = JsonDocument.Parse(e["data: ".Length..]);
            Assert.Equal("chat.completion.chunk", chunk.RootElement.GetProperty("object").GetString());
            var choice = chunk.RootElement.GetProperty("choices")[0];
            if (choice.GetProperty("delta").TryGetProperty("content", out var content))
            {
                text.Append(content.GetString());
            }

            finish = choice.GetProperty("finish_reason").GetString() ?? finish;
        }

        Assert.Equal("length", finish);
        var direct = await PostAsync(new { model = fixture.ModelId, max_tokens = 6, seed = 3, messages = new[] { new { role = "user", content = "Status?" } } }, fixture.Key);
        using var json = JsonDocument.Parse(direct.Body);
        Assert.Equal(json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text.ToString());
    }

    private async Task<(string Text, ChatFinishReason? Finish, ChatTokenUsage? Usage, int Pieces)> StreamAsync(ChatCompletionOptions options)
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var pieces = 0;
        await foreach (var update in fixture.Chat().CompleteChatStreamingAsync(Question, options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
                pieces += part.Text.Length > 0 ? 1 : 0;
            }

            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }

        return (text.ToString(), finish, usage, pieces);
    }

    internal async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(object body, string? key, string path = "v1/chat/completions", string? classification = null)
    {
        using var http = new HttpClient { BaseAddress = fixture.Node.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (classification is not null)
        {
            request.Headers.Add("X-Classification", classification);
        }

        var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }
}
