using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Security;

[Collection(SecureSiteCollection.Name)]
public sealed class HttpsTests(SecureSiteFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task Https_ServesTheSiteCertificate_WithHsts_RedirectsHttp_AndKeepsDataProtectionKeysEncrypted()
    {
        Assert.Equal(Uri.UriSchemeHttps, BaseAddress.Scheme);
        var login = await Page.GotoAsync("/account/login");
        Assert.NotNull(login);
        Assert.Equal("max-age=31536000", login.Headers.GetValueOrDefault("strict-transport-security"));
        var security = await login.SecurityDetailsAsync();
        Assert.NotNull(security);
        Assert.Equal("127.0.0.1", security.SubjectName);
        Assert.Equal("AxWorkbench E2E Issuing CA", security.Issuer);

        var plain = new Uri(Fixture.App.HttpAddress, "/chat?x=1");
        var redirect = await Context.APIRequest.GetAsync(plain.ToString(), new() { MaxRedirects = 0 });
        Assert.Equal(308, redirect.Status);
        Assert.Equal(new Uri(BaseAddress, "/chat?x=1").ToString(), redirect.Headers["location"]);

        // A sign-in works (its cookie is protected with the keys), and the key ring on disk is encrypted with the certificate.
        await LogInAsync("analyst");
        var keyFiles = Directory.GetFiles(Path.Combine(Fixture.App.DataDirectory, "keys"), "*.xml");
        Assert.NotEmpty(keyFiles);
        foreach (var file in keyFiles)
        {
            var xml = await File.ReadAllTextAsync(file);
            Assert.Contains("EncryptedXmlDecryptor", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal);
        }
    }
}
