using System.Net;
using System.Text.Json;
using AxWorkbench.Core.Tests.Data;

namespace AxWorkbench.Web.Tests.Hosting;

/// <summary>
/// /healthz of the real executable on a PRIVATE PostgreSQL that is stopped and started again under it: Healthy (200)
/// while the database answers, Unhealthy (503, what HAProxy takes a node out for) naming the failing "database" check
/// while it is away, and Healthy again by itself once it is back, without a restart of the node.
/// </summary>
public sealed class PostgresHealthTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Healthz_IsUnhealthyNamingTheDatabase_WhilePostgresIsStopped_AndHealthyAgainAfter_WithoutRestart()
    {
        await using var server = await PrivatePostgres.StartAsync();
        await using var app = AppProcess.Start(
            new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
            AppProcess.DataArgument, "--Demo:Enabled=false", "--Data:Provider=Postgres",
            $"--ConnectionStrings:Workbench={server.ConnectionString};Timeout=3;Command Timeout=5");
        var address = await app.WaitUntilListeningAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

        var (code, body) = await HealthAsync(http);
        Assert.True(code == HttpStatusCode.OK, $"healthy at start, got {code}: {body}");
        Assert.Equal("Healthy", Status(body));

        await server.StopAsync();
        (code, body) = await WaitForAsync(http, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", Status(body));
        using (var json = JsonDocument.Parse(body))
        {
            // Without login: which check fails, never the server's address.
            Assert.Equal(["database"], json.RootElement.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            Assert.DoesNotContain(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        }

        await server.RestartAsync();
        (code, body) = await WaitForAsync(http, HttpStatusCode.OK);
        Assert.Equal("Healthy", Status(body));
        Assert.False(app.Output.Contains("Application is shutting down", StringComparison.Ordinal), app.Output);
    }

    private static async Task<(HttpStatusCode Code, string Body)> HealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Code, string Body)> WaitForAsync(HttpClient http, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var last = await HealthAsync(http);
        while (last.Code != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            last = await HealthAsync(http);
        }
        Assert.True(last.Code == wanted, $"/healthz should answer {wanted} within 60 s, last {last.Code}: {last.Body}");
        return last;
    }

    private static string? Status(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("status").GetString();
    }
}
