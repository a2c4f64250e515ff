using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Cli;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>`users add-cert` against a real SQLite file: the mapping is stored, audited and unique.</summary>
public sealed class UsersAddCertTests : IDisposable
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

    private string WriteCertificate(string subject, string? upn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (upn is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUserPrincipalName(upn);
            request.CertificateExtensions.Add(san.Build());
        }
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".crt");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    [Fact]
    public async Task UsersAddCert_ByThumbprintAndUpn_RegistersOnce_AndRefusesTheSameCertificateForAnotherUser()
    {
        await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ");
        await RunAsync("users", "add", "lee", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ");
        var file = WriteCertificate("CN=Kim Analyst, O=Site", "kim@site.test");
        var thumbprint = CertificateMapping.Thumbprint(X509CertificateLoader.LoadCertificateFromFile(file));

        var byThumbprint = await RunAsync("users", "add-cert", "kim", file);
        var byUpn = await RunAsync("users", "add-cert", "kim", file, "--by", "Upn");
        var again = await RunAsync("users", "add-cert", "lee", file);

        Assert.True(byThumbprint.Exit == 0, byThumbprint.Error);
        Assert.Contains($"Thumbprint: {thumbprint}", byThumbprint.Output, StringComparison.Ordinal);
        Assert.True(byUpn.Exit == 0, byUpn.Error);
        Assert.Contains("Upn: KIM@SITE.TEST", byUpn.Output, StringComparison.Ordinal);
        Assert.Equal(1, again.Exit);
        Assert.Contains("already registered to 'kim'", again.Error, StringComparison.Ordinal);
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory, "axworkbench.db")}");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT Target, Details FROM AuditRecords WHERE Action = 'user.certificate-added'";
        await using var reader = await query.ExecuteReaderAsync();
        var records = new List<(string Target, string Details)>();
        while (await reader.ReadAsync())
        {
            records.Add((reader.GetString(0), reader.GetString(1)));
        }
        Assert.Equal(2, records.Count); // the refused one is not recorded as added
        Assert.All(records, r => Assert.Equal("kim", r.Target));
        Assert.All(records, r => Assert.Contains(thumbprint, r.Details, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UsersAddCert_ByUpn_WithoutAUpn_OrAMissingFile_ExitsNonZeroSayingWhy()
    {
        await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ");
        var noUpn = await RunAsync("users", "add-cert", "kim", WriteCertificate("CN=No Upn", null), "--by", "Upn");
        var missing = await RunAsync("users", "add-cert", "kim", Path.Combine(_directory, "nope.crt"));

        Assert.Equal(1, noUpn.Exit);
        Assert.Contains("no user principal name", noUpn.Error, StringComparison.Ordinal);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
