using System.Net;
using AxWorkbench.Web.Shell;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace AxWorkbench.Web.Tests.Hosting;

/// <summary>
/// Where the app listens: 127.0.0.1:5080 when nobody says otherwise, and wherever ASPNETCORE_URLS or --urls say
/// when an operator does (nothing in appsettings.json outranks them).
/// </summary>
public sealed class ServerAddressTests
{
    // The demo briefs would be imported in the background; not what these tests are about.
    private const string NoDemo = "--Demo:Enabled=false";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private static string? ConfiguredUrls(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Production" });
        ShellWebExtensions.UseDefaultUrlUnlessConfigured(builder);
        return builder.Configuration[WebHostDefaults.ServerUrlsKey];
    }

    [Fact]
    public void NoAddressConfigured_ListensOnLoopback5080()
    {
        Assert.Equal("http://127.0.0.1:5080", ConfiguredUrls());
    }

    [Fact]
    public void UrlsArgument_IsKept()
    {
        Assert.Equal("http://127.0.0.1:5099", ConfiguredUrls("--urls", "http://127.0.0.1:5099"));
    }

    [Fact]
    public void HttpPortsSetting_IsNotOverriddenByTheDefault()
    {
        Assert.Null(ConfiguredUrls("--http_ports=5123"));
    }

    [Fact]
    public async Task AspNetCoreUrlsEnvironmentVariable_MovesTheServer()
    {
        await using var app = AppProcess.Start(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" }, AppProcess.DataArgument, NoDemo);

        var address = await app.WaitUntilListeningAsync(StartTimeout);

        await AssertServesHealthAsync(address);
    }

    [Fact]
    public async Task UrlsCommandLineArgument_MovesTheServer()
    {
        await using var app = AppProcess.Start(new Dictionary<string, string>(), "--urls", "http://127.0.0.1:0", AppProcess.DataArgument, NoDemo);

        var address = await app.WaitUntilListeningAsync(StartTimeout);

        await AssertServesHealthAsync(address);
    }

    private static async Task AssertServesHealthAsync(Uri address)
    {
        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(5080, address.Port);
        using var http = new HttpClient { BaseAddress = address };
        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/healthz answered {response.StatusCode}");
        Assert.Contains("\"status\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
