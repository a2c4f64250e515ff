using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Data;

/// <summary>
/// Keeps SQLite's write-ahead log bounded on a node that never stops: SQLite's own automatic checkpoint (every 1,000
/// pages) cannot reset the log while readers keep it busy, so under steady use it only grows. Every
/// <see cref="DataOptions.WalCheckpointSeconds"/> this runs <c>PRAGMA wal_checkpoint(TRUNCATE)</c>, which copies the log
/// into the database and truncates it to zero once no reader needs it (a busy attempt is simply retried next time);
/// <c>journal_size_limit</c> (set per connection) caps what SQLite leaves behind after its own checkpoints. Nothing on
/// PostgreSQL, which manages its own log.
/// </summary>
public sealed partial class SqliteWalCheckpointer(IOptions<DataOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<SqliteWalCheckpointer> logger)
    : BackgroundService
{
    /// <summary>The last checkpoint's result: pages in the log and pages copied (both -1 before the first).</summary>
    public (int LogPages, int CheckpointedPages, bool Busy) Last { get; private set; } = (-1, -1, false);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var data = options.Value;
        if (data.IsPostgres || data.WalCheckpointSeconds == 0)
        {
            return;
        }
        var connectionString = data.ResolveConnectionString(environment.ContentRootPath);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(data.WalCheckpointSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointAsync(connectionString, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One checkpoint now; failures are logged, never thrown (the next tick tries again).</summary>
    public async Task CheckpointAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            // A checkpoint that truncates blocks writers while it runs: it takes its turn in the writers' queue, and
            // when the queue stays busy for 2 s it waits for the next interval instead of making them wait longer.
            var gate = options.Value.SqliteWriteQueue ? SqliteWriteGate.For(connection) : null;
            if (gate is not null && !await gate.EnterAsync(connection, TimeSpan.FromSeconds(2), cancellationToken))
            {
                LogQueueBusy(logger);
                return;
            }
            gate?.Running(connection, "WAL checkpoint (TRUNCATE)");
            try
            {
                await using (var wait = connection.CreateCommand())
                {
                    // A short wait for readers: a checkpoint that cannot finish now simply runs again at the next interval.
                    wait.CommandText = "PRAGMA busy_timeout=2000;";
                    await wait.ExecuteNonQueryAsync(cancellationToken);
                }
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    Last = (reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(0) != 0);
                    if (Last.Busy)
                    {
                        LogBusy(logger, Last.LogPages, Last.CheckpointedPages);
                    }
                }
            }
            finally
            {
                gate?.Exit(connection);
            }
        }
        catch (SqliteException ex)
        {
            LogFailed(logger, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite checkpoint skipped: writers kept the write queue busy for 2 s; trying again at the next interval")]
    private static partial void LogQueueBusy(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite checkpoint could not truncate the write-ahead log while readers used it ({LogPages} pages, {Checkpointed} copied); trying again at the next interval")]
    private static partial void LogBusy(ILogger logger, int logPages, int checkpointed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite checkpoint failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
