using System.Net;
using System.Text;
using System.Text.Json;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>Two real processes: web node B (OpenAICompatible → A's /v1) keeps running while inference node A dies and returns.</summary>
public sealed class RemoteNodeFailureTests : IAsyncLifetime
{
    private readonly InferenceNodeFixture _a = new();
    private ApiNode _b = null!;
    private string _bKey = "";

    public async Task InitializeAsync()
    {
        await _a.InitializeAsync();
        _b = ApiNode.Create(
            "--Inference:Provider=OpenAICompatible", $"--Inference:Remote:Endpoint={_a.A.V1}", $"--Inference:Remote:Model={_a.ModelId}",
            $"--Inference:Remote:ApiKeyFile={_a.KeyFile}", "--Inference:Remote:ProbeIntervalSeconds=1", "--Inference:Remote:Retries=0", "--Api:MaxTokens=4000");
        _bKey = await _b.AddKeyAsync("tool", "--clearance", "SECRET", "--unit", "J2", "--requests-per-minute", "10000");
        await _b.StartAsync();
    }

    [Fact]
    public async Task KillingA_MidStream_GivesBAClearFailure_BStaysUp_AndRecoversWhenAReturns()
    {
        using var http = new HttpClient { BaseAddress = _b.BaseAddress };
        using var request = Chat(stream: true, maxTokens: 4000);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var before = await reader.ReadLineAsync();
        Assert.StartsWith("data: {", before, StringComparison.Ordinal);

        await _a.A.KillAsync();
        var rest = await reader.ReadToEndAsync();

        // The answer ends with an error event naming the inference server, then the end of the stream.
        Assert.Contains("\"error\"", rest, StringComparison.Ordinal);
        Assert.Contains("inference server", rest, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", rest, StringComparison.Ordinal);
        Assert.Equal("Degraded", await WaitForHealthAsync(s => s == "Degraded"));
        var refused = await http.SendAsync(Chat(stream: false, maxTokens: 4));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("upstream_unavailable", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await _a.A.StartAsync();

        Assert.Equal("Healthy", await WaitForHealthAsync(s => s == "Healthy"));
        var answered = await http.SendAsync(Chat(stream: false, maxTokens: 4));
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    private HttpRequestMessage Chat(bool stream, int maxTokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model = _a.ModelId, stream, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "Write a long report." } },
            }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", _bKey);
        return request;
    }

    /// <summary>B's /healthz status once <paramref name="until"/> accepts it (B probes A every second; at most a minute).</summary>
    private async Task<string> WaitForHealthAsync(Func<string, bool> until)
    {
        using var http = new HttpClient { BaseAddress = _b.BaseAddress };
        var waited = System.Diagnostics.Stopwatch.StartNew();
        string status;
        do
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("healthz"));
            status = json.RootElement.GetProperty("status").GetString()!;
            if (until(status))
            {
                break;
            }

            await Task.Delay(250);
        }
        while (waited.Elapsed < TimeSpan.FromMinutes(1));

        return status;
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }
}
