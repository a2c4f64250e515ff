using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Web.Tests.Hosting;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>The real executable with wrong HTTPS or certificate-login settings: it stops at start and names the setting.</summary>
public sealed class HttpsSettingsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-https-tests", Guid.NewGuid().ToString("N"));

    public HttpsSettingsTests() => Directory.CreateDirectory(_directory);

    private string PemWithoutKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_directory, "server.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private static async Task<string> StartExpectingRefusalAsync(params string[] settings)
    {
        await using var app = AppProcess.Start(new Dictionary<string, string> { ["Urls"] = "http://127.0.0.1:0" }, [AppProcess.DataArgument, .. settings]);
        var exit = await app.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(2, exit);
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
        return app.Output;
    }

    [Fact]
    public async Task HttpsCertificate_Missing_StopsTheStartNamingTheSettingAndTheFile()
    {
        var output = await StartExpectingRefusalAsync($"--Security:Https:CertificatePath={_directory}/nope.pfx");

        Assert.Contains("Security:Https:CertificatePath", output, StringComparison.Ordinal);
        Assert.Contains("nope.pfx' does not exist", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpsCertificate_PemWithoutItsKey_StopsTheStartSayingWhatToGive()
    {
        var output = await StartExpectingRefusalAsync($"--Security:Https:CertificatePath={PemWithoutKey()}");

        Assert.Contains("Security:Https:CertificatePath", output, StringComparison.Ordinal);
        Assert.Contains("KeyPath", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateLogin_WithoutHttps_StopsTheStartSayingHttpsIsNeeded()
    {
        var output = await StartExpectingRefusalAsync("--Security:Certificates:Mode=CertificateOnly");

        Assert.Contains("Security:Https:CertificatePath", output, StringComparison.Ordinal);
        Assert.Contains("needs HTTPS", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
