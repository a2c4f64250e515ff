using System.Net;
using System.Text;
using System.Text.Json;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>Node A: a real workbench serving <c>/v1</c> with one engine slot and no queue, and a key for node B.</summary>
public class InferenceNodeFixture : IAsyncLifetime
{
    public InferenceNodeFixture()
        : this(queueLength: 0)
    {
    }

    protected InferenceNodeFixture(int queueLength) =>
        A = ApiNode.Create("--Inference:MaxParallelSequences=1", $"--Inference:MaxQueueLength={queueLength}", "--Api:MaxTokens=4000");

    public ApiNode A { get; }

    public string KeyFile { get; } = Path.Combine(Path.GetTempPath(), "axwb-api-tests", Guid.NewGuid().ToString("N") + ".key");

    public string Key { get; private set; } = "";

    public string ModelId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Key = await A.AddKeyAsync("web-node-b", "--clearance", "SECRET", "--unit", "J2", "--requests-per-minute", "10000");
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        await File.WriteAllTextAsync(KeyFile, Key + "\n");
        await A.StartAsync();
        var models = await new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential(Key), new OpenAI.OpenAIClientOptions { Endpoint = A.V1 })
            .GetOpenAIModelClient().GetModelsAsync();
        ModelId = models.Value.Single().Id;
    }

    /// <summary>Node B's inference as the chat sees it: AddInference with Provider = OpenAICompatible, in this process.</summary>
    public async Task<IHost> StartNodeBAsync(int maxConcurrent)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:Provider"] = "OpenAICompatible",
            ["Inference:Remote:Endpoint"] = A.V1.ToString(),
            ["Inference:Remote:Model"] = ModelId,
            ["Inference:Remote:ApiKeyFile"] = KeyFile,
            ["Inference:Remote:MaxConcurrentRequests"] = maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Inference:Remote:ProbeIntervalSeconds"] = "1",
        });
        builder.AddInference();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        File.Delete(KeyFile);
    }
}

/// <summary>Node A with one engine slot and a queue of four.</summary>
public sealed class QueueingInferenceNodeFixture() : InferenceNodeFixture(queueLength: 4);

/// <summary>Node B (<c>Inference:Provider = OpenAICompatible</c>) using node A's <c>/v1</c>: the chat's IChatClient on B streams from A's engine.</summary>
public sealed class RemoteProviderTests(InferenceNodeFixture fixture) : IClassFixture<InferenceNodeFixture>
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Summarize the convoy report.")];

    private static ChatOptions Analyst(string user, int maxTokens, long seed) =>
        new ChatOptions { MaxOutputTokens = maxTokens, Seed = seed, Temperature = 0.9f }.ForUser(user).WithPriority(RequestPriority.Interactive);

    [Fact]
    public async Task AnalystOnB_StreamsFromAsEngine_WithQueuePositions_AndTheSameTextAsA()
    {
        using var b = await fixture.StartNodeBAsync(maxConcurrent: 1);
        var chat = b.Services.GetRequiredService<IChatClient>();
        var direct = await DirectOnAAsync(maxTokens: 12, seed: 11);

        // The first analyst holds B's one remote slot; the second waits in B's queue and hears its position.
        await using var first = chat.GetStreamingResponseAsync(Question, Analyst("kim", 40, 1)).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        var second = Task.Run(async () =>
        {
            var positions = new List<int>();
            var text = new StringBuilder();
            ChatFinishReason? finish = null;
            await foreach (var update in chat.GetStreamingResponseAsync(Question, Analyst("lee", 12, 11)))
            {
                if (update.GetQueuePosition() is { } position)
                {
                    positions.Add(position);
                    continue;
                }

                text.Append(update.Text);
                finish = update.FinishReason ?? finish;
            }

            return (positions, text.ToString(), finish);
        });
        while (b.Services.GetRequiredService<IModelStatus>().Metrics.QueueDepth == 0 && !second.IsCompleted)
        {
            await Task.Delay(20); // until the second request is waiting in B's queue
        }

        while (await first.MoveNextAsync())
        {
        }

        var (seen, answer, reason) = await second;
        // Position 1 in B's queue; A may add its own position 1 (relayed) if the first answer's slot is freed a step later.
        Assert.NotEmpty(seen);
        Assert.All(seen, position => Assert.Equal(1, position));
        Assert.Equal(direct, answer);
        Assert.Equal(ChatFinishReason.Length, reason);
        var status = Assert.IsType<RemoteInferenceStatus>(b.Services.GetRequiredService<IModelStatus>());
        Assert.Equal(fixture.A.V1.ToString(), status.Endpoint);
        Assert.False(b.Services.GetRequiredService<ITokenCounter>().IsExact);
    }

    [Fact]
    public async Task CancelOnB_FreesAsSequence()
    {
        using var b = await fixture.StartNodeBAsync(maxConcurrent: 4);
        var chat = b.Services.GetRequiredService<IChatClient>();
        using var cancel = new CancellationTokenSource();
        var pieces = 0;

        // A has one slot and no queue: while B's long answer runs there, A refuses anyone else.
        var streaming = Task.Run(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync(Question, Analyst("kim", 4000, 2), cancel.Token))
            {
                pieces += update.Text.Length > 0 ? 1 : 0;
            }
        });
        while (Volatile.Read(ref pieces) == 0)
        {
            await Task.Delay(20);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostOnAAsync(4, 3)).Status);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);

        // Cancelling on B closes the HTTP request; A drops the sequence at its next step and serves the next caller.
        var freed = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await PostOnAAsync(4, 3)).Status;
        }
        while (status == HttpStatusCode.ServiceUnavailable && freed.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    private async Task<string> DirectOnAAsync(int maxTokens, long seed)
    {
        var (status, body) = await PostOnAAsync(maxTokens, seed);
        Assert.Equal(HttpStatusCode.OK, status);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private async Task<(HttpStatusCode Status, string Body)> PostOnAAsync(int maxTokens, long seed)
    {
        using var http = new HttpClient { BaseAddress = fixture.A.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model = fixture.ModelId, max_tokens = maxTokens, seed, temperature = 0.9,
                messages = new[] { new { role = "user", content = "Summarize the convoy report." } },
            }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", fixture.Key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
