using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AxWorkbench.Core.Backup;

/// <summary>
/// PostgreSQL: <c>pg_dump --format=custom</c> takes one consistent snapshot of the whole database (every context's
/// tables, the Data Protection keys, the audit chain and its append-only triggers) while the nodes keep writing.
/// Reading it back for verification restores it with <c>pg_restore</c> into a scratch database on the same server
/// (the workbench's login needs CREATEDB for <c>backup</c> and <c>backup verify</c>), counts and checks it there, and
/// drops it. A restore goes into the database named by <c>ConnectionStrings:Workbench</c>, which must be empty.
/// The client tools come with Debian's postgresql-client (installed with postgresql).
/// </summary>
public sealed class PostgresDatabaseBackup(IOptions<DataOptions> data, IHostEnvironment environment) : IDatabaseBackup
{
    public const string SnapshotFileName = "axworkbench.pgdump";

    public string Provider => DataOptions.Postgres;

    private NpgsqlConnectionStringBuilder Live => new(data.Value.ResolveConnectionString(environment.ContentRootPath));

    public async Task<IReadOnlyList<string>> SnapshotAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, SnapshotFileName);
        await RunToolAsync("pg_dump", Live, ["--format=custom", "--no-owner", "--no-privileges", "--file", target], cancellationToken);
        return [SnapshotFileName];
    }

    public async Task<SnapshotContents> ReadAsync(string folder, string checkpointPath, CancellationToken cancellationToken)
    {
        var file = Path.Combine(folder, SnapshotFileName);
        if (!File.Exists(file))
        {
            throw new BackupException($"The backup has no database dump '{file}'.");
        }
        var scratch = new NpgsqlConnectionStringBuilder(Live.ConnectionString) { Database = "axwb_verify_" + Guid.NewGuid().ToString("N")[..16], Pooling = false };
        await ExecuteAsync(Live, $"CREATE DATABASE \"{scratch.Database}\"", "create a scratch database to read the backup in (the login needs CREATEDB)", cancellationToken);
        try
        {
            await RunToolAsync("pg_restore", scratch, ["--no-owner", "--no-privileges", "--exit-on-error", file], cancellationToken);
            var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
            var documents = new List<SnapshotDocument>();
            await using (var connection = new NpgsqlConnection(scratch.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                foreach (var table in await TablesAsync(connection, cancellationToken))
                {
                    await using var count = new NpgsqlCommand($"SELECT COUNT(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                    counts[table] = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
                }
                if (counts.ContainsKey("Documents"))
                {
                    await using var select = new NpgsqlCommand("SELECT \"Id\", \"FileName\", \"Sha256\" FROM \"Documents\" ORDER BY \"CreatedAt\"", connection);
                    await using var rows = await select.ExecuteReaderAsync(cancellationToken);
                    while (await rows.ReadAsync(cancellationToken))
                    {
                        documents.Add(new SnapshotDocument(rows.GetGuid(0), rows.GetString(1), rows.GetString(2)));
                    }
                }
            }
            var audit = await AuditVerifier.VerifyAsync(DataOptions.Postgres, scratch.ConnectionString, checkpointPath, cancellationToken);
            return new SnapshotContents(counts, documents, audit);
        }
        catch (NpgsqlException ex)
        {
            throw new BackupException($"The backup dump '{file}' could not be read back in database '{scratch.Database}': {ex.Message}", ex);
        }
        finally
        {
            await ExecuteAsync(Live, $"DROP DATABASE IF EXISTS \"{scratch.Database}\" WITH (FORCE)", "drop the scratch database", CancellationToken.None);
        }
    }

    public async Task RestoreAsync(string folder, string dataDirectory, CancellationToken cancellationToken)
    {
        var target = Live;
        try
        {
            await using var connection = new NpgsqlConnection(target.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            var tables = await TablesAsync(connection, cancellationToken);
            if (tables.Count > 0)
            {
                throw new BackupException(
                    $"The database '{target.Database}' on {target.Host}:{target.Port} ({DataOptions.ConnectionStringSetting}) is not empty ({tables.Count} tables, e.g. {tables[0]}); " +
                    "restore into an empty database (CREATE DATABASE ... and point the connection string at it).");
            }
        }
        catch (NpgsqlException ex)
        {
            throw new BackupException($"The database '{target.Database}' on {target.Host}:{target.Port} ({DataOptions.ConnectionStringSetting}) could not be reached: {ex.Message}", ex);
        }
        await RunToolAsync("pg_restore", target, ["--no-owner", "--no-privileges", "--exit-on-error", Path.Combine(folder, SnapshotFileName)], cancellationToken);
    }

    private static async Task<List<string>> TablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name", connection);
        await using var rows = await list.ExecuteReaderAsync(cancellationToken);
        var tables = new List<string>();
        while (await rows.ReadAsync(cancellationToken))
        {
            tables.Add(rows.GetString(0));
        }
        return tables;
    }

    private static async Task ExecuteAsync(NpgsqlConnectionStringBuilder server, string sql, string what, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw new BackupException($"Could not {what} on {server.Host}:{server.Port}: {ex.Message}", ex);
        }
    }

    /// <summary>Runs pg_dump or pg_restore against a database, the password passed in the environment (never on the command line).</summary>
    private static async Task RunToolAsync(string tool, NpgsqlConnectionStringBuilder database, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.ArgumentList.Add("--dbname=" + database.Database);
        start.Environment["PGHOST"] = database.Host ?? "localhost";
        start.Environment["PGPORT"] = database.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = database.Username ?? "";
        start.Environment["PGPASSWORD"] = database.Password ?? "";
        start.Environment["PGCONNECT_TIMEOUT"] = "15";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new BackupException($"{tool} could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new BackupException($"{tool} was not found on the PATH; install PostgreSQL's client tools (Debian: postgresql-client) of the server's major version.", ex);
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            await output;
            if (process.ExitCode != 0)
            {
                throw new BackupException($"{tool} failed on database '{database.Database}' at {database.Host}:{database.Port} (exit {process.ExitCode}): {(await error).Trim()}");
            }
        }
    }
}
