using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Backup;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Tests.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// The PostgreSQL side of `backup` (issue 16 item 4): pg_dump of a database the writer keeps writing, read back in a
/// scratch database (row counts, audit chain against the copied checkpoints) that is dropped afterwards, and pg_restore
/// into an empty database only, the chain verifying there. (The SQLite side and the CLI are in Web.Tests/Backup.)
/// </summary>
public sealed class PostgresBackupTests
{
    [Fact]
    public async Task PgDumpWhileWriting_ReadsBackIntact_AndRestoresIntoAnEmptyDatabaseOnly()
    {
        await using var host = await AuditTestKit.StartAsync(checkpointEvery: 10, provider: DbProvider.Postgres);
        var folder = Path.Combine(TempDataHost.NewDirectory(), "backup");
        var restoredDirectory = TempDataHost.NewDirectory();
        try
        {
            await host.WriteSequentialAsync(25);
            Directory.CreateDirectory(folder);
            var checkpoints = Path.Combine(folder, AuditOptions.DefaultCheckpointFileName);
            File.Copy(host.CheckpointPath(), checkpoints); // checkpoints first, as WorkbenchBackup does: each names a record the dump holds
            var backup = new PostgresDatabaseBackup(host.Services.GetRequiredService<IOptions<DataOptions>>(), host.Services.GetRequiredService<IHostEnvironment>());
            var writing = host.WriteSequentialAsync(25); // the nodes keep writing while the dump runs

            Assert.Equal([PostgresDatabaseBackup.SnapshotFileName], await backup.SnapshotAsync(folder, default));
            await writing;
            var contents = await backup.ReadAsync(folder, checkpoints, default);

            Assert.True(contents.Audit.IsValid, contents.Audit.Message);
            Assert.InRange(contents.Audit.RecordsChecked, 25, 50);
            Assert.Equal(contents.Audit.RecordsChecked, contents.RowCounts["AuditRecords"]);
            Assert.Contains("BackgroundJobs", contents.RowCounts.Keys); // every table of the database, not only the chain
            Assert.Equal(0, await ScalarAsync(TestDatabase.ServerConnectionString, "SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'axwb_verify_%'")); // scratch dropped

            await TestDatabase.SettingsAsync(DbProvider.Postgres, restoredDirectory); // an empty database
            var restored = new PostgresDatabaseBackup(Options.Create(new DataOptions
            {
                Provider = DataOptions.Postgres, DataDirectory = restoredDirectory, ConnectionString = TestDatabase.ConnectionString(restoredDirectory),
            }), host.Services.GetRequiredService<IHostEnvironment>());
            await restored.RestoreAsync(folder, restoredDirectory, default);

            var verdict = await AuditVerifier.VerifyAsync(DataOptions.Postgres, TestDatabase.ConnectionString(restoredDirectory), checkpoints);
            Assert.True(verdict.IsValid, verdict.Message);
            Assert.Equal(contents.Audit.RecordsChecked, verdict.RecordsChecked);
            var again = await Assert.ThrowsAsync<BackupException>(() => restored.RestoreAsync(folder, restoredDirectory, default));
            Assert.Contains("is not empty", again.Message, StringComparison.Ordinal);
            Assert.Contains(TestDatabase.DatabaseName(restoredDirectory), again.Message, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestDatabase.DropAsync(DbProvider.Postgres, restoredDirectory);
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
