using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

/// <summary>Every kind of response carries the security headers: pages (static and interactive), redirects, errors, assets, API.</summary>
public abstract class SecurityHeadersTestBase(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task SecurityHeaders_OnEveryResponseType_AndCookiesAreHttpOnlyAndStrict()
    {
        var anonymous = new (string Path, int? Status)[]
        {
            ("/account/login", 200),        // static server-rendered page
            ("/chat", 302),                 // redirect to login
            ("/healthz", 200),              // health probe
            ("/v1/models", null),           // OpenAI-compatible API without a key (401, or 404 where the API is off)
            ("/assets/icons/logo.svg", 200), // static file
            ("/_framework/blazor.web.js", 200), // framework asset
        };
        foreach (var (path, status) in anonymous)
        {
            await AssertHeadersAsync(path, status);
        }

        await LogInAsync("analyst");
        foreach (var (path, status) in new (string, int?)[] { ("/", 200), ("/chat", 200), ("/no-such-page", 404), ("/admin", null) })
        {
            await AssertHeadersAsync(path, status);
        }

        var cookies = await Context.CookiesAsync();
        foreach (var name in new[] { "AxWorkbench.Auth", "AxWorkbench.Consent" })
        {
            var cookie = Assert.Single(cookies, c => c.Name == name);
            Assert.True(cookie.HttpOnly, $"{name} must be HttpOnly.");
            Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
            Assert.Equal(BaseAddress.Scheme == Uri.UriSchemeHttps, cookie.Secure);
        }
        Assert.All(cookies.Where(c => c.Name.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)), c => Assert.Equal(SameSiteAttribute.Strict, c.SameSite));
    }

    private async Task AssertHeadersAsync(string path, int? expectedStatus)
    {
        var response = await Context.APIRequest.GetAsync(path, new() { MaxRedirects = 0 });
        Output.WriteLine($"{path}: {response.Status}");
        if (expectedStatus is { } status)
        {
            Assert.Equal(status, response.Status);
        }
        var headers = response.Headers;
        Assert.True(headers.TryGetValue("content-security-policy", out var csp), $"{path}: no CSP");
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", headers.GetValueOrDefault("x-content-type-options"));
        Assert.Equal("no-referrer", headers.GetValueOrDefault("referrer-policy"));
        Assert.Equal("DENY", headers.GetValueOrDefault("x-frame-options"));
    }
}

public sealed class SecurityHeadersTests(WorkbenchFixture fixture, ITestOutputHelper output) : SecurityHeadersTestBase(fixture, output);

/// <summary>The same over HTTPS (the secure site): cookies are Secure too.</summary>
[Collection(SecureSiteCollection.Name)]
public sealed class SecurityHeadersOverHttpsTests(SecureSiteFixture fixture, ITestOutputHelper output) : SecurityHeadersTestBase(fixture, output);
