using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>
/// An analyst on web node B whose request waits in inference node A's queue hears A's queue position, relayed as SSE
/// comment lines (<c>: queue-position N</c>) that any other OpenAI client ignores.
/// </summary>
public sealed class QueueRelayTests(QueueingInferenceNodeFixture fixture) : IClassFixture<QueueingInferenceNodeFixture>
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Summarize the convoy report.")];

    [Fact]
    public async Task AnalystOnB_WaitingInAsQueue_HearsAsPosition_ThenGetsTheAnswer()
    {
        using var b = await fixture.StartNodeBAsync(maxConcurrent: 4);
        var chat = b.Services.GetRequiredService<IChatClient>();

        // Another tool holds A's one engine slot with a long answer, straight on A's /v1.
        using var holder = new CancellationTokenSource();
        using var http = new HttpClient { BaseAddress = fixture.A.BaseAddress };
        var hold = await SendAsync(http, fixture.Key, fixture.ModelId, maxTokens: 4000, relay: false, holder.Token);
        var holdBody = await hold.Content.ReadAsStreamAsync(holder.Token);
        Assert.True(await holdBody.ReadAsync(new byte[64], holder.Token) > 0, "A's first caller streams");

        var positions = new List<int>();
        var answer = new StringBuilder();
        var analyst = Task.Run(async () =>
        {
            var options = new ChatOptions { MaxOutputTokens = 12, Seed = 5, Temperature = 0.9f }.ForUser("kim").WithPriority(RequestPriority.Interactive);
            await foreach (var update in chat.GetStreamingResponseAsync(Question, options))
            {
                if (update.GetQueuePosition() is { } position)
                {
                    lock (positions)
                    {
                        positions.Add(position);
                    }

                    continue;
                }

                answer.Append(update.Text);
            }
        });

        // B has free slots of its own: the position the analyst hears can only come from A.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (PositionsSeen(positions) == 0 && !analyst.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, PositionsSeen(positions));
        Assert.Equal(0, b.Services.GetRequiredService<IModelStatus>().Metrics.QueueDepth);
        Assert.Empty(answer.ToString());

        await LeaveAsync(hold, holdBody, holder); // the first caller leaves; A serves the analyst
        await analyst.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal([1], positions);
        Assert.Equal(await DirectAnswerAsync(http), answer.ToString());
    }

    [Fact]
    public async Task OtherClients_WaitingInTheQueue_GetNoComments_AndHeadersOnlyWithTheFirstPiece()
    {
        using var http = new HttpClient { BaseAddress = fixture.A.BaseAddress };
        using var holder = new CancellationTokenSource();
        var hold = await SendAsync(http, fixture.Key, fixture.ModelId, maxTokens: 4000, relay: false, holder.Token);
        var holdBody = await hold.Content.ReadAsStreamAsync(holder.Token);
        Assert.True(await holdBody.ReadAsync(new byte[64], holder.Token) > 0, "A's first caller streams");

        // A plain OpenAI client waits in A's queue: no response (so a failure could still carry its status) until it runs.
        var waiting = SendAsync(http, fixture.Key, fixture.ModelId, maxTokens: 4, relay: false, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted, "the queued plain request got its headers before it ran");

        await LeaveAsync(hold, holdBody, holder);
        using var response = await waiting.WaitAsync(TimeSpan.FromMinutes(1));
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("data: {", body, StringComparison.Ordinal);
        Assert.DoesNotContain(QueuePositionRelay.CommentPrefix.Trim(), body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayingClient_GetsTheStreamAtOnce_WithTheCommentLineFramedExactly()
    {
        using var http = new HttpClient { BaseAddress = fixture.A.BaseAddress };
        using var holder = new CancellationTokenSource();
        var hold = await SendAsync(http, fixture.Key, fixture.ModelId, maxTokens: 4000, relay: false, holder.Token);
        var holdBody = await hold.Content.ReadAsStreamAsync(holder.Token);
        Assert.True(await holdBody.ReadAsync(new byte[64], holder.Token) > 0, "A's first caller streams");

        using var response = await SendAsync(http, fixture.Key, fixture.ModelId, maxTokens: 4, relay: true, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30)); // headers while still queued
        await LeaveAsync(hold, holdBody, holder);
        var body = await response.Content.ReadAsStringAsync();
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("data: {", events[0], StringComparison.Ordinal); // the assistant's empty first piece
        Assert.Contains("\"role\":\"assistant\"", events[0], StringComparison.Ordinal);
        Assert.Equal(": queue-position 1", events[1]);
        Assert.All(events.Skip(2), e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", events[^1]);
    }

    /// <summary>The holding caller closes its connection (as a client that stops reading does); A drops its sequence.</summary>
    private static async Task LeaveAsync(HttpResponseMessage hold, Stream body, CancellationTokenSource holder)
    {
        await holder.CancelAsync();
        await body.DisposeAsync();
        hold.Dispose();
    }

    private static int PositionsSeen(List<int> positions)
    {
        lock (positions)
        {
            return positions.Count;
        }
    }

    private async Task<string> DirectAnswerAsync(HttpClient http)
    {
        using var request = Request(fixture.Key, fixture.ModelId, maxTokens: 12, stream: false, relay: false);
        using var response = await http.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string key, string model, int maxTokens, bool relay, CancellationToken cancellationToken)
    {
        using var request = Request(key, model, maxTokens, stream: true, relay);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response;
    }

    private static HttpRequestMessage Request(string key, string model, int maxTokens, bool stream, bool relay)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model, max_tokens = maxTokens, seed = 5, temperature = 0.9, stream,
                messages = new[] { new { role = "user", content = "Summarize the convoy report." } },
            }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (relay)
        {
            request.Headers.Add(QueuePositionRelay.HeaderName, QueuePositionRelay.HeaderValue);
        }

        return request;
    }
}
