using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Shell;

public sealed class ContentSecurityPolicyTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    /// <summary>Source expressions that name no other origin.</summary>
    private static readonly HashSet<string> LocalSources = ["'self'", "'none'", "'unsafe-inline'", "data:"];

    [Theory]
    [InlineData("/")]
    [InlineData("/chat")]
    public async Task MainPages_CarryContentSecurityPolicy_ThatNamesNoOtherOrigin(string path)
    {
        var login = await Page.GotoAsync("/account/login");
        AssertLocalOnly(login!.Headers);
        await LogInAsync("analyst");

        var response = await Page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        AssertLocalOnly(response.Headers);
        await Shell.WaitUntilInteractiveAsync();
    }

    private void AssertLocalOnly(Dictionary<string, string> headers)
    {
        Assert.True(headers.TryGetValue("content-security-policy", out var header), "No Content-Security-Policy header.");
        Output.WriteLine(header);
        // Several CSP headers would arrive joined by newlines; the app sends exactly one (the framework's own
        // frame-ancestors header for interactive components is switched off), and it names no other origin.
        var policies = header.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(policy => policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .ToDictionary(d => d[0], d => d[1..]))
            .ToList();
        var policy = Assert.Single(policies);
        Assert.True(policy.TryGetValue("default-src", out var defaults) && defaults is ["'self'"], "default-src must be 'self' alone.");
        Assert.True(policy.TryGetValue("frame-ancestors", out var ancestors) && ancestors is ["'none'"], "frame-ancestors must be 'none'.");
        foreach (var (name, sources) in policies.SelectMany(p => p))
        {
            Assert.All(sources, source => Assert.True(LocalSources.Contains(source), $"{name} allows '{source}', which is not this app's origin."));
        }
    }
}
