using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Cli;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>`users certs` and `users remove-cert` against a real SQLite file: listed, removed once, audited, and a miss says what is registered.</summary>
public sealed class UsersRemoveCertTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-cli-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Settings => new() { ["Data:DataDirectory"] = _directory, ["Markings:Scheme"] = "Us" };

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, Settings);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task UsersRemoveCert_ByThumbprint_RemovesOnlyThatRegistration_AndAuditsIt()
    {
        await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Kim Analyst, O=Site", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUserPrincipalName("kim@site.test");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = Path.Combine(_directory, "kim.crt");
        await File.WriteAllTextAsync(file, certificate.ExportCertificatePem());
        var thumbprint = CertificateMapping.Thumbprint(certificate);
        await RunAsync("users", "add-cert", "kim", file);
        await RunAsync("users", "add-cert", "kim", file, "--by", "Upn");

        var before = await RunAsync("users", "certs", "kim");
        var removed = await RunAsync("users", "remove-cert", "kim", thumbprint.ToLowerInvariant());
        var after = await RunAsync("users", "certs", "kim");
        var again = await RunAsync("users", "remove-cert", "kim", thumbprint);

        Assert.Contains($"Thumbprint: {thumbprint}", before.Output, StringComparison.Ordinal);
        Assert.Contains("Upn: KIM@SITE.TEST", before.Output, StringComparison.Ordinal);
        Assert.True(removed.Exit == 0, removed.Error);
        Assert.Contains($"Removed from kim: Thumbprint: {thumbprint}", removed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(thumbprint, after.Output, StringComparison.Ordinal);
        Assert.Contains("Upn: KIM@SITE.TEST", after.Output, StringComparison.Ordinal);
        Assert.Equal(1, again.Exit);
        Assert.Contains("No certificate registered to 'kim' matches", again.Error, StringComparison.Ordinal);
        Assert.Contains("Upn: KIM@SITE.TEST", again.Error, StringComparison.Ordinal);
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory, "axworkbench.db")}");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT Target, Details FROM AuditRecords WHERE Action = 'user.certificate-removed'";
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("kim", reader.GetString(0));
        Assert.Contains(thumbprint, reader.GetString(1), StringComparison.Ordinal);
        Assert.False(await reader.ReadAsync());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
