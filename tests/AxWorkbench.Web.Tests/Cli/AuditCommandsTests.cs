using AxWorkbench.Web.Cli;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.Web.Tests.Cli;

/// <summary>`audit verify` against a real SQLite file written by real operator commands.</summary>
public sealed class AuditCommandsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-cli-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Settings => new() { ["Data:DataDirectory"] = _directory, ["Markings:Scheme"] = "Us" };

    private string Database => Path.Combine(_directory, "axworkbench.db");

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, Settings);
        return (exit, output.ToString(), error.ToString());
    }

    private async Task WriteSomeRecordsAsync()
    {
        Assert.Equal(0, (await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ")).Exit);
        Assert.Equal(0, (await RunAsync("users", "set-clearance", "kim", "TOP SECRET")).Exit);
        Assert.Equal(0, (await RunAsync("users", "disable", "kim")).Exit);
    }

    [Fact]
    public async Task AuditVerify_OnTheConfiguredDatabase_AfterUserCommands_IsIntact()
    {
        await WriteSomeRecordsAsync();

        var result = await RunAsync("audit", "verify");

        Assert.True(result.Exit == 0, result.Output + result.Error);
        Assert.Contains("INTACT", result.Output, StringComparison.Ordinal);
        Assert.Contains("3 records", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_EditedRecord_ExitsNonZeroNamingTheFirstBadSequence()
    {
        await WriteSomeRecordsAsync();
        await using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER AuditRecords_NoUpdate; UPDATE AuditRecords SET Details = '{}' WHERE Sequence = 2;";
            await command.ExecuteNonQueryAsync();
        }

        var configured = await RunAsync("audit", "verify");
        var explicitPaths = await RunAsync("audit", "verify", "--db", Database, "--checkpoints", Path.Combine(_directory, "audit-checkpoints.log"));

        Assert.Equal(1, configured.Exit);
        Assert.Contains("first bad sequence 2", configured.Output, StringComparison.Ordinal);
        Assert.Equal(1, explicitPaths.Exit);
        Assert.Contains("first bad sequence 2", explicitPaths.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_MissingDatabaseFile_ExitsTwoNamingThePath()
    {
        var result = await RunAsync("audit", "verify", "--db", Path.Combine(_directory, "nope.db"));

        Assert.Equal(2, result.Exit);
        Assert.Contains("nope.db", result.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
