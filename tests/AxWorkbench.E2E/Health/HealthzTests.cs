using System.Text.Json;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Health;

public sealed class HealthzTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task Healthz_AnonymousGetsStatusOnly_AdminGetsDatabaseCheck()
    {
        using (var anonymous = await GetHealthAsync())
        {
            var keys = anonymous.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["status"], keys);
            Assert.Equal("Healthy", anonymous.RootElement.GetProperty("status").GetString());
        }

        await LogInAsync("admin");
        using var admin = await GetHealthAsync();
        Assert.Equal("Healthy", admin.RootElement.GetProperty("status").GetString());
        var database = admin.RootElement.GetProperty("checks").GetProperty("database");
        Assert.Equal("Healthy", database.GetProperty("status").GetString());
        // The SQLite writers' queue: the admin's own login was audited through it, and no writer gave up on it.
        var queue = database.GetProperty("data").GetProperty("writeQueue");
        Assert.True(queue.GetProperty("entered").GetInt64() > 0, $"no write went through the queue: {queue}");
        Assert.Equal(0, queue.GetProperty("timedOut").GetInt64());
    }

    [Fact]
    public async Task Healthz_AnalystGetsStatusOnly()
    {
        await LogInAsync("analyst");
        using var health = await GetHealthAsync();
        Assert.False(health.RootElement.TryGetProperty("checks", out _));
    }

    /// <summary>GET /healthz with the browser context's cookies (anonymous until a test signs in).</summary>
    private async Task<JsonDocument> GetHealthAsync()
    {
        var response = await Context.APIRequest.GetAsync("/healthz");
        Assert.Equal(200, response.Status);
        var body = await response.TextAsync();
        Output.WriteLine(body);
        return JsonDocument.Parse(body);
    }
}
