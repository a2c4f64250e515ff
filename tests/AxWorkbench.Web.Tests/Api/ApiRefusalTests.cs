using System.Net;
using System.Text.Json;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>Each refusal of <c>/v1</c>: its status, OpenAI's JSON error body, and its audit record.</summary>
public sealed partial class ApiEndpointTests
{
    private object Body(int maxTokens = 4) => new { model = fixture.ModelId, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "Status?" } } };

    private static void AssertError(HttpStatusCode expected, string code, (HttpStatusCode Status, string Body, HttpResponseMessage Response) actual)
    {
        Assert.True(expected == actual.Status, $"expected {(int)expected}, got {(int)actual.Status}: {actual.Body}");
        Assert.Equal("application/json", actual.Response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(actual.Body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "the error has no 'param'");
    }

    private async Task AssertLastAuditAsync(string actor, string outcome, int status)
    {
        var last = (await fixture.Node.ApiAuditAsync())[^1];
        Assert.Equal(actor, last.Actor);
        Assert.Equal(outcome, last.Outcome);
        using var details = JsonDocument.Parse(last.Details);
        Assert.Equal(status, details.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task NoKey_401_Audited()
    {
        AssertError(HttpStatusCode.Unauthorized, "invalid_api_key", await PostAsync(Body(), key: null));
        await AssertLastAuditAsync("anonymous", "denied", 401);
    }

    [Fact]
    public async Task UnknownKey_401_Audited()
    {
        AssertError(HttpStatusCode.Unauthorized, "invalid_api_key", await PostAsync(Body(), "axk_not-a-key-of-this-workbench"));
        await AssertLastAuditAsync("anonymous", "denied", 401);
    }

    [Fact]
    public async Task RevokedKey_401_Audited()
    {
        var refused = await PostAsync(Body(), fixture.RevokedKey);

        AssertError(HttpStatusCode.Unauthorized, "invalid_api_key", refused);
        Assert.Contains("revoked", refused.Body, StringComparison.Ordinal);
        await AssertLastAuditAsync("apikey:gone", "denied", 401);
    }

    [Fact]
    public async Task ExpiredKey_401_Audited()
    {
        var left = fixture.ExpiringAt - DateTime.UtcNow;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left + TimeSpan.FromMilliseconds(200)); // the condition is the clock passing the key's expiry
        }

        var refused = await PostAsync(Body(), fixture.ExpiringKey);

        AssertError(HttpStatusCode.Unauthorized, "invalid_api_key", refused);
        Assert.Contains("expired", refused.Body, StringComparison.Ordinal);
        await AssertLastAuditAsync("apikey:brief", "denied", 401);
    }

    [Fact]
    public async Task MarkingAboveTheKeysClearance_403_Audited_AndAllowedMarkingIsEchoed()
    {
        var refused = await PostAsync(Body(), fixture.Key, classification: "TOP SECRET");
        var allowed = await PostAsync(Body(), fixture.Key, classification: "SECRET");

        AssertError(HttpStatusCode.Forbidden, "classification_above_clearance", refused);
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        Assert.Equal("SECRET", allowed.Response.Headers.GetValues("X-Classification").Single());
        var audit = await fixture.Node.ApiAuditAsync();
        var denied = audit.Last(a => a.Outcome == "denied");
        Assert.Equal("apikey:tool", denied.Actor);
        Assert.Equal("TOP SECRET", denied.Marking);
        var success = audit[^1];
        Assert.Equal("success", success.Outcome);
        using var details = JsonDocument.Parse(success.Details);
        Assert.Equal(fixture.ModelId, details.RootElement.GetProperty("model").GetString());
        Assert.Equal(4, details.RootElement.GetProperty("tokensOut").GetInt32());
        Assert.True(details.RootElement.GetProperty("tokensIn").GetInt32() > 0);
    }

    [Fact]
    public async Task NoMarkingHeader_IsTheLowestLevel()
    {
        var answer = await PostAsync(Body(), fixture.Key);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("UNCLASSIFIED", answer.Response.Headers.GetValues("X-Classification").Single());
    }

    [Fact]
    public async Task RateLimit_429_Audited()
    {
        // The key allows 2 requests a minute.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body(), fixture.LimitedKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body(), fixture.LimitedKey)).Status);
        var refused = await PostAsync(Body(), fixture.LimitedKey);

        AssertError(HttpStatusCode.TooManyRequests, "rate_limit_exceeded", refused);
        Assert.True(refused.Response.Headers.RetryAfter is not null, "no Retry-After header");
        await AssertLastAuditAsync("apikey:slow", "denied", 429);
    }

    [Fact]
    public async Task BadRequest_400_NamesTheField()
    {
        var refused = await PostAsync(new { model = fixture.ModelId, temperature = 7, messages = new[] { new { role = "user", content = "x" } } }, fixture.Key);

        AssertError(HttpStatusCode.BadRequest, "invalid_value", refused);
        Assert.Contains("temperature", refused.Body, StringComparison.Ordinal);
        await AssertLastAuditAsync("apikey:tool", "denied", 400);
    }

    [Fact]
    public async Task TooLarge_413()
    {
        var big = new { model = fixture.ModelId, messages = new[] { new { role = "user", content = new string('x', 70_000) } } };

        AssertError(HttpStatusCode.RequestEntityTooLarge, "request_too_large", await PostAsync(big, fixture.Key));
        await AssertLastAuditAsync("apikey:tool", "denied", 413);
    }

    [Fact]
    public async Task EngineBusy_503_ThenCancellingTheHolderFreesTheSlot()
    {
        // One slot and no queue: a long streaming answer holds the engine.
        using var http = new HttpClient { BaseAddress = fixture.Node.BaseAddress };
        using var holder = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model = fixture.ModelId, stream = true, max_tokens = 4000, messages = new[] { new { role = "user", content = "Write a long report." } },
            }), System.Text.Encoding.UTF8, "application/json"),
        };
        holder.Headers.Authorization = new("Bearer", fixture.Key);
        var holding = await http.SendAsync(holder, HttpCompletionOption.ResponseHeadersRead);
        var stream = await holding.Content.ReadAsStreamAsync();
        Assert.True(await stream.ReadAsync(new byte[64]) > 0);

        var busy = await PostAsync(Body(), fixture.Key);

        AssertError(HttpStatusCode.ServiceUnavailable, "engine_busy", busy);
        await AssertLastAuditAsync("apikey:tool", "failure", 503);

        // The caller goes away: the engine drops its sequence and serves the next request.
        holding.Dispose();
        var freed = System.Diagnostics.Stopwatch.StartNew();
        (HttpStatusCode Status, string Body, HttpResponseMessage Response) next;
        do
        {
            next = await PostAsync(Body(), fixture.Key);
        }
        while (next.Status == HttpStatusCode.ServiceUnavailable && freed.Elapsed < TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, next.Status);
    }

    [Fact]
    public async Task UnknownModel_404()
    {
        AssertError(HttpStatusCode.NotFound, "model_not_found", await PostAsync(new { model = "gpt-4o", messages = new[] { new { role = "user", content = "x" } } }, fixture.Key));
    }
}
