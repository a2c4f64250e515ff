using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Data;

/// <summary>The database could not be opened with the guarantees the workbench relies on.</summary>
public sealed class DatabaseConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Creates the data folder and applies migrations before the app serves anything: on SQLite it also asserts
/// WAL + synchronous=FULL; on PostgreSQL it first checks the server is reachable, accepts the credentials and has the
/// database (one line naming <c>ConnectionStrings:Workbench</c> and the cause).
/// </summary>
public sealed partial class DatabaseInitializer(
    IDbContextFactory<WorkbenchDbContext> contextFactory,
    IEnumerable<IMigratedContext> contexts,
    IOptions<DataOptions> options,
    IHostEnvironment environment,
    ILogger<DatabaseInitializer> logger)
{
    public string DataDirectory => options.Value.ResolveDataDirectory(environment.ContentRootPath);

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(DataDirectory);
        if (options.Value.IsPostgres)
        {
            await InitializePostgresAsync(cancellationToken);
            return;
        }
        // The legacy check holds its own connection only while it runs: a connection held open across the other
        // contexts' migrations sometimes left a fresh database out of WAL mode for later connections.
        await using (var legacy = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            try
            {
                await legacy.Database.OpenConnectionAsync(cancellationToken);
                if (await LegacySchema.UpgradeAsync(legacy.Database.GetDbConnection(), contexts, cancellationToken))
                {
                    LogLegacyUpgraded(logger, legacy.Database.GetDbConnection().DataSource);
                }
            }
            catch (SqliteException ex)
            {
                throw new DatabaseConfigurationException(
                    $"The database at '{legacy.Database.GetDbConnection().DataSource}' could not be opened or migrated: {ex.Message}", ex);
            }
        }

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        try
        {
            foreach (var context in contexts)
            {
                await context.MigrateAsync(cancellationToken);
            }
        }
        catch (SqliteException ex)
        {
            throw new DatabaseConfigurationException(
                $"The database at '{db.Database.GetDbConnection().DataSource}' could not be opened or migrated: {ex.Message}", ex);
        }

        var journal = await ScalarAsync(db, "PRAGMA journal_mode=WAL;", cancellationToken);
        var synchronous = await ScalarAsync(db, "PRAGMA synchronous;", cancellationToken);
        if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new DatabaseConfigurationException($"SQLite refused WAL journal mode (got '{journal}'); the data folder must be on a local file system.");
        }
        if (synchronous != "2")
        {
            throw new DatabaseConfigurationException($"SQLite synchronous is {synchronous}, expected 2 (FULL).");
        }
        LogReady(logger, db.Database.GetDbConnection().DataSource, journal, synchronous);
    }

    private async Task InitializePostgresAsync(CancellationToken cancellationToken)
    {
        var connectionString = options.Value.ResolveConnectionString(environment.ContentRootPath);
        await PostgresDatabase.CheckReachableAsync(connectionString, cancellationToken);
        try
        {
            foreach (var context in contexts)
            {
                await context.MigrateAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            throw new DatabaseConfigurationException(
                $"{DataOptions.ConnectionStringSetting}: the database could not be migrated: {ex.Message}", ex);
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        LogReadyPostgres(logger, connection.DataSource, connection.Database);
        if (options.Value.DocumentsInDataDirectory)
        {
            // PostgreSQL is how a site runs several nodes; each node's own folder would hold only the uploads it took.
            LogDocumentsPerNode(logger, DataOptions.DocumentsDirectorySetting, options.Value.ResolveDocumentsDirectory(environment.ContentRootPath));
        }
    }

    /// <summary>
    /// The refusal to show for <paramref name="exception"/> when it says the database cannot be reached (naming the
    /// configured database and the cause); null when it is some other error. For pages whose action failed below a
    /// service that does not say so itself.
    /// </summary>
    public DatabaseUnavailableException? Unreachable(Exception exception) =>
        DatabaseUnavailableException.IsUnreachable(exception)
            ? DatabaseUnavailableException.For(options.Value.ResolveConnectionString(environment.ContentRootPath), exception)
            : null;

    /// <summary>
    /// Reads journal mode and synchronous level on a fresh connection (what /healthz reports); on PostgreSQL, which has
    /// neither, a round trip answers ("postgres", "n/a"). A database that cannot be reached throws
    /// <see cref="DatabaseUnavailableException"/> naming it and the cause.
    /// </summary>
    public async Task<(string JournalMode, string Synchronous)> ProbeAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        try
        {
            if (options.Value.IsPostgres)
            {
                _ = await ScalarAsync(db, "SELECT 1", cancellationToken);
                return ("postgres", "n/a");
            }
            return (await ScalarAsync(db, "PRAGMA journal_mode;", cancellationToken), await ScalarAsync(db, "PRAGMA synchronous;", cancellationToken));
        }
        catch (Exception ex) when (DatabaseUnavailableException.IsUnreachable(ex) && ex is not DatabaseUnavailableException)
        {
            throw DatabaseUnavailableException.For(db.Database.GetDbConnection(), ex);
        }
    }

    /// <summary>This process's queue for the SQLite database's write lock (null on PostgreSQL, or with Data:SqliteWriteQueue off).</summary>
    public SqliteWriteGate? WriteQueue() =>
        options.Value.IsPostgres || !options.Value.SqliteWriteQueue
            ? null
            : SqliteWriteGate.For(options.Value.ResolveConnectionString(environment.ContentRootPath));

    private static async Task<string> ScalarAsync(WorkbenchDbContext db, string sql, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database at {Path} was made before the contexts were consolidated: its baselines were recorded and the old migration history tables dropped")]
    private static partial void LogLegacyUpgraded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready at {Path} (journal_mode={Journal}, synchronous={Synchronous})")]
    private static partial void LogReady(ILogger logger, string path, string journal, string synchronous);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not set: document originals are kept in this node's data folder ({Folder}). " +
        "With several nodes on this PostgreSQL database a document uploaded on one node cannot be opened, parsed or backed up on another: " +
        "set {Setting} to a folder every node shares (NFS or equal), the same path on each node. A single node may ignore this.")]
    private static partial void LogDocumentsPerNode(ILogger logger, string setting, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready on PostgreSQL at {Server}, database {Database}")]
    private static partial void LogReadyPostgres(ILogger logger, string server, string database);
}
