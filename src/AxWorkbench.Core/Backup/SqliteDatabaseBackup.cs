using System.Globalization;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Backup;

/// <summary>
/// SQLite: <c>VACUUM INTO</c> copies the live file inside one read transaction (a consistent snapshot even while the
/// app writes in WAL mode, and no writer is blocked). Both EF contexts (features and ASP.NET Identity) live in the one
/// file, so one snapshot holds both.
/// </summary>
public sealed class SqliteDatabaseBackup(IOptions<DataOptions> data, IHostEnvironment environment) : IDatabaseBackup
{
    public const string SnapshotFileName = "axworkbench.db";

    public string Provider => "Sqlite";

    public string LiveDatabasePath =>
        new SqliteConnectionStringBuilder(data.Value.ResolveConnectionString(environment.ContentRootPath)).DataSource;

    public async Task<IReadOnlyList<string>> SnapshotAsync(string folder, CancellationToken cancellationToken)
    {
        var live = LiveDatabasePath;
        if (!File.Exists(live))
        {
            throw new BackupException($"No database file at '{live}' (Data:DataDirectory / Data:ConnectionString): nothing to back up.");
        }
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, SnapshotFileName);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = live,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = data.Value.BusyTimeoutSeconds,
        }.ToString();
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout={data.Value.BusyTimeoutSeconds * 1000}; VACUUM INTO $target;";
            command.Parameters.AddWithValue("$target", target);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw new BackupException($"The database '{live}' could not be copied to '{target}': {ex.Message}", ex);
        }
        return [SnapshotFileName];
    }

    public async Task<SnapshotContents> ReadAsync(string folder, string checkpointPath, CancellationToken cancellationToken)
    {
        var file = Path.Combine(folder, SnapshotFileName);
        if (!File.Exists(file))
        {
            throw new BackupException($"The backup has no database file '{file}'.");
        }
        var connectionString = AuditVerifier.ReadOnlyConnectionString(file);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var documents = new List<SnapshotDocument>();
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            var integrity = await ScalarAsync(connection, "PRAGMA integrity_check;", cancellationToken);
            if (!string.Equals(integrity, "ok", StringComparison.Ordinal))
            {
                throw new BackupException($"The backup database '{file}' is damaged: integrity_check says {integrity}.");
            }
            var tables = new List<string>();
            await using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
                await using var rows = await list.ExecuteReaderAsync(cancellationToken);
                while (await rows.ReadAsync(cancellationToken))
                {
                    tables.Add(rows.GetString(0));
                }
            }
            foreach (var table in tables)
            {
                counts[table] = long.Parse(await ScalarAsync(connection, $"SELECT COUNT(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", cancellationToken), CultureInfo.InvariantCulture);
            }
            if (tables.Contains("Documents"))
            {
                await using var select = connection.CreateCommand();
                select.CommandText = "SELECT Id, FileName, Sha256 FROM Documents ORDER BY CreatedAt";
                await using var rows = await select.ExecuteReaderAsync(cancellationToken);
                while (await rows.ReadAsync(cancellationToken))
                {
                    documents.Add(new SnapshotDocument(Guid.Parse(rows.GetString(0)), rows.GetString(1), rows.GetString(2)));
                }
            }
        }
        catch (SqliteException ex)
        {
            throw new BackupException($"The backup database '{file}' could not be read: {ex.Message}", ex);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
        var audit = await AuditVerifier.VerifyAsync(connectionString, checkpointPath, cancellationToken);
        return new SnapshotContents(counts, documents, audit);
    }

    public Task RestoreAsync(string folder, string dataDirectory, CancellationToken cancellationToken)
    {
        var source = Path.Combine(folder, SnapshotFileName);
        var target = LiveDatabasePath;
        if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(target)), Path.GetFullPath(dataDirectory).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new BackupException(
                $"Data:ConnectionString points the database at '{target}', outside the data folder '{dataDirectory}'; restore it with the default connection string.");
        }
        File.Copy(source, target, overwrite: false);
        return Task.CompletedTask;
    }

    private static async Task<string> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
    }
}
