using System.Data.Common;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Tests.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AxWorkbench.Core.Tests.Audit;

/// <summary>
/// Audit on a real database (a SQLite file or a PostgreSQL database), plus the raw access an attacker with the file,
/// or with the owner's database login, would have.
/// </summary>
internal static partial class AuditTestKit
{
    public static Task<TempDataHost> StartAsync(int checkpointEvery = 5, int busyTimeoutSeconds = 30, DbProvider provider = DbProvider.Sqlite) =>
        TempDataHost.StartAsync(provider: provider, settings: new Dictionary<string, string?>
        {
            ["Audit:CheckpointEvery"] = checkpointEvery.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Data:BusyTimeoutSeconds"] = busyTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    /// <summary>A raw connection to the host's database outside the app (no pooling, no pragmas).</summary>
    public static async Task<DbConnection> OpenRawAsync(this TempDataHost host, bool readOnly = false)
    {
        DbConnection connection = host.Provider == DbProvider.Postgres
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.ConnectionString(host.Directory)) { Pooling = false }.ConnectionString)
            : new SqliteConnection(readOnly ? AuditVerifier.ReadOnlyConnectionString(host.DatabasePath()) : $"Data Source={host.DatabasePath()};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// The tests write their SQL with bare identifiers, as SQLite takes them; PostgreSQL folds bare identifiers to lower
    /// case, so for it the table and column names (PascalCase, never inside the tests' literals) are quoted.
    /// </summary>
    public static string ForProvider(this TempDataHost host, string sql) =>
        host.Provider == DbProvider.Postgres ? Identifier().Replace(sql, m => $"\"{m.Value}\"") : sql;

    [GeneratedRegex(@"(?<!['""])\b(AuditRecords|Sequence|TimestampUtc|Actor|Action|Target|Outcome|ClientAddress|Marking|Details|Hash)\b(?!['""])")]
    private static partial Regex Identifier();

    public static IAuditLog Log(this TempDataHost host) => host.Services.GetRequiredService<IAuditLog>();

    /// <summary>
    /// Holds what the audit writer must take before it writes, from outside the app, until disposed: SQLite's write lock
    /// (BEGIN IMMEDIATE on another connection) or PostgreSQL's chain advisory lock (another node mid-write).
    /// </summary>
    public static async Task<IAsyncDisposable> HoldChainLockAsync(this TempDataHost host)
    {
        var connection = await host.OpenRawAsync();
        DbTransaction transaction;
        if (connection is SqliteConnection sqlite)
        {
            transaction = sqlite.BeginTransaction(deferred: false);
        }
        else
        {
            transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT pg_advisory_xact_lock({AuditData.ChainLockKey})";
            await command.ExecuteNonQueryAsync();
        }
        return new HeldLock(connection, transaction);
    }

    private sealed class HeldLock(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    public static string DatabasePath(this TempDataHost host) => Path.Combine(host.Directory, "axworkbench.db");

    public static string CheckpointPath(this TempDataHost host) => host.Services.GetRequiredService<AuditLog>().CheckpointPath;

    public static AuditEvent Event(int i, string actor = "analyst") => new()
    {
        Action = AuditActions.Prompt,
        Actor = actor,
        Target = $"session-{i % 7}",
        ClientAddress = "10.0.0." + (i % 250),
        Details = $$"""{"n":{{i}}}""",
    };

    /// <summary>Writes events one after another (each awaited), so every record is its own batch.</summary>
    public static async Task WriteSequentialAsync(this TempDataHost host, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await host.Log().WriteAsync(Event(i));
        }
    }

    /// <summary>Stops the writer (which appends its final checkpoint) so the files are quiet.</summary>
    public static async Task StopWriterAsync(this TempDataHost host) =>
        await host.Services.GetRequiredService<AuditLog>().DisposeAsync();

    public static Task<AuditVerdict> VerifyAsync(this TempDataHost host) => host.Provider == DbProvider.Postgres
        ? AuditVerifier.VerifyAsync(DataOptions.Postgres, TestDatabase.ConnectionString(host.Directory), host.CheckpointPath())
        : AuditVerifier.VerifyAsync(AuditVerifier.ReadOnlyConnectionString(host.DatabasePath()), host.CheckpointPath());

    /// <summary>
    /// Edits the database directly, as someone with file access (SQLite) or the table owner's login (PostgreSQL) would:
    /// the append-only triggers are dropped first.
    /// </summary>
    public static async Task TamperAsync(this TempDataHost host, params string[] statements)
    {
        await using var connection = await host.OpenRawAsync();
        string[] dropTriggers = host.Provider == DbProvider.Postgres
            ? ["DROP TRIGGER IF EXISTS \"AuditRecords_NoUpdate\" ON \"AuditRecords\"", "DROP TRIGGER IF EXISTS \"AuditRecords_NoDelete\" ON \"AuditRecords\""]
            : ["DROP TRIGGER IF EXISTS AuditRecords_NoUpdate", "DROP TRIGGER IF EXISTS AuditRecords_NoDelete"];
        foreach (var sql in (string[])[.. dropTriggers, .. statements.Select(host.ForProvider)])
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    public static async Task<List<AuditRecord>> ReadAllAsync(this TempDataHost host)
    {
        var records = new List<AuditRecord>();
        await using var connection = await host.OpenRawAsync(readOnly: true);
        await using var command = connection.CreateCommand();
        command.CommandText = AuditData.SelectAllSql;
        await using var row = await command.ExecuteReaderAsync();
        while (await row.ReadAsync())
        {
            records.Add(new AuditRecord
            {
                Sequence = row.GetInt64(0), TimestampUtc = row.GetString(1), Actor = row.GetString(2), Action = row.GetString(3),
                Target = row.IsDBNull(4) ? null : row.GetString(4), Outcome = row.GetString(5), ClientAddress = row.IsDBNull(6) ? null : row.GetString(6),
                Marking = row.GetString(7), Details = row.IsDBNull(8) ? null : row.GetString(8), Hash = row.GetString(9),
            });
        }
        return records;
    }
}
