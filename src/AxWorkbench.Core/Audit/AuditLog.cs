using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Audit;

/// <summary>Appends audit records. A returned record is committed (synchronous=FULL) and chained.</summary>
public interface IAuditLog
{
    /// <summary>
    /// Records <paramref name="auditEvent"/> and returns once it is durable.
    /// Throws <see cref="AuditUnavailableException"/> when it cannot be written: the caller must then not act.
    /// </summary>
    Task<AuditRecord> WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);
}

public static class AuditLogExtensions
{
    /// <summary>
    /// Writes <paramref name="auditEvent"/> first and only then runs <paramref name="action"/>: if the record
    /// cannot be written the action never runs (<see cref="AuditUnavailableException"/>). If the action
    /// itself throws, a second record with outcome "failure" and the error is written (best effort) and the
    /// exception is rethrown, so the log shows both the attempt and that it failed.
    /// </summary>
    public static async Task<T> RunAuditedAsync<T>(this IAuditLog log, AuditEvent auditEvent, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        await log.WriteAsync(auditEvent, cancellationToken);
        try
        {
            return await action(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            try
            {
                await log.WriteAsync(auditEvent with
                {
                    Outcome = AuditOutcomes.Failure,
                    Details = JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = ex.GetType().Name, ["message"] = ex.Message }),
                }, CancellationToken.None);
            }
            catch (AuditUnavailableException)
            {
                // The attempt is on record already; the original error matters more to the caller.
            }
            throw;
        }
    }

    public static Task RunAuditedAsync(this IAuditLog log, AuditEvent auditEvent, Func<CancellationToken, Task> action, CancellationToken cancellationToken = default) =>
        log.RunAuditedAsync(auditEvent, async ct =>
        {
            await action(ct);
            return true;
        }, cancellationToken);
}

/// <summary>
/// The one writer of the audit chain. Callers put events on a channel; a single consumer drains it in
/// batches, and per batch: takes the chain's write lock (SQLite: BEGIN IMMEDIATE, the database write lock;
/// PostgreSQL: an advisory transaction lock every node takes, so another process or node cannot interleave),
/// reads the current tail (sequence, hash) in the same transaction, inserts the chained
/// records, commits, then completes each caller. Checkpoints go to a file outside the database every
/// <see cref="AuditOptions.CheckpointEvery"/> records, every <see cref="AuditOptions.CheckpointIntervalSeconds"/>
/// and at shutdown, under the same chain lock: the checkpoint names the chain's tail re-read in that transaction (not
/// this writer's last record), and is skipped when the file already holds one at or past it, so writers on several nodes
/// sharing one checkpoint file append whole lines in increasing order.
/// </summary>
public sealed partial class AuditLog : IAuditLog, IAsyncDisposable, IDisposable
{
    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDbContextFactory<WorkbenchDbContext> _contexts;
    private readonly IMarkingScheme _scheme;
    private readonly ILogger<AuditLog> _logger;
    private readonly AuditOptions _options;
    private readonly Task _consumer;
    private readonly int _lockTimeoutSeconds;
    private readonly bool _writeQueue;
    private long _lastCheckpointSequence = -1;
    private long _committedSequence;
    private string _committedHash = "";
    private DateTime _lastCheckpointTime = DateTime.UtcNow;
    private int _disposed;

    public AuditLog(IDbContextFactory<WorkbenchDbContext> contexts, IMarkingScheme scheme, IOptions<AuditOptions> options,
        IOptions<DataOptions> data, IHostEnvironment environment, ILogger<AuditLog> logger)
    {
        _contexts = contexts;
        _scheme = scheme;
        _logger = logger;
        _options = options.Value;
        CheckpointPath = _options.ResolveCheckpointPath(data.Value, environment.ContentRootPath);
        // Give up on a locked database before the caller gives up on us, so a refused action is never recorded as done.
        _lockTimeoutSeconds = Math.Max(1, Math.Min(data.Value.BusyTimeoutSeconds, _options.WriteTimeoutSeconds - 1));
        _writeQueue = data.Value.SqliteWriteQueue;
        _consumer = Task.Run(ConsumeAsync);
    }

    /// <summary>The checkpoint file this writer appends to.</summary>
    public string CheckpointPath { get; }

    public async Task<AuditRecord> WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        Validate(auditEvent);
        var pending = new Pending(auditEvent, new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_channel.Writer.TryWrite(pending))
        {
            throw new AuditUnavailableException("The audit log is shutting down; the action was refused. Try again once the workbench has restarted.");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.WriteTimeoutSeconds));
        try
        {
            return await pending.Completion.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Abandoned: the writer skips it if it has not started writing it yet.
            pending.Completion.TrySetCanceled(CancellationToken.None);
            throw new AuditUnavailableException(
                $"The audit log did not confirm the record within {_options.WriteTimeoutSeconds} s (Audit:WriteTimeoutSeconds); the action was refused. " +
                "The database may be locked by another process or the disk may be full.");
        }
        catch (OperationCanceledException)
        {
            pending.Completion.TrySetCanceled(cancellationToken);
            throw;
        }
    }

    private static void Validate(AuditEvent e)
    {
        if (string.IsNullOrWhiteSpace(e.Action))
        {
            throw new ArgumentException("An audit event needs an action (see AuditActions).", nameof(e));
        }
        if (string.IsNullOrWhiteSpace(e.Actor))
        {
            throw new ArgumentException("An audit event needs an actor (a user name, \"system\" or \"operator:NAME\").", nameof(e));
        }
        if (e.Details is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(e.Details);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new ArgumentException("Audit details must be a JSON object.", nameof(e));
                }
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"Audit details are not valid JSON: {ex.Message}", nameof(e), ex);
            }
        }
    }

    private async Task ConsumeAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<Pending>(_options.MaxBatch);
        var interval = TimeSpan.FromSeconds(_options.CheckpointIntervalSeconds);
        while (true)
        {
            bool more;
            if (_committedSequence > _lastCheckpointSequence && _lastCheckpointSequence >= 0)
            {
                // Records since the last checkpoint: wake up when the interval is due even if nothing arrives.
                var due = _lastCheckpointTime + interval - DateTime.UtcNow;
                if (due <= TimeSpan.Zero)
                {
                    await WriteCheckpointAsync();
                    continue;
                }
                using var wake = new CancellationTokenSource(due);
                try
                {
                    more = await reader.WaitToReadAsync(wake.Token);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }
            }
            else
            {
                more = await reader.WaitToReadAsync();
            }
            if (!more)
            {
                break;
            }
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
            {
                if (!pending.Completion.Task.IsCompleted)
                {
                    batch.Add(pending);
                }
            }
            if (batch.Count > 0)
            {
                await WriteBatchAsync(batch);
                batch.Clear();
            }
        }
        if (_committedSequence > _lastCheckpointSequence)
        {
            await WriteCheckpointAsync();
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        var records = new AuditRecord[batch.Count];
        DbConnection? written = null;
        try
        {
            await using var db = await _contexts.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            var connection = written = db.Database.GetDbConnection();
            await using var transaction = await BeginWriteAsync(connection);
            var (sequence, previous) = await ReadTailAsync(connection, transaction);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText =
                $"INSERT INTO \"{AuditData.TableName}\" (\"Sequence\", \"TimestampUtc\", \"Actor\", \"Action\", \"Target\", \"Outcome\", \"ClientAddress\", \"Marking\", \"Details\", \"Hash\") " +
                "VALUES (@seq, @time, @actor, @action, @target, @outcome, @address, @marking, @details, @hash)";
            var parameters = new[] { "@seq", "@time", "@actor", "@action", "@target", "@outcome", "@address", "@marking", "@details", "@hash" }
                .Select(name =>
                {
                    var parameter = insert.CreateParameter();
                    parameter.ParameterName = name;
                    insert.Parameters.Add(parameter);
                    return parameter;
                }).ToArray();
            var time = AuditCanonicalForm.FormatTimestamp(DateTime.UtcNow);
            for (var i = 0; i < batch.Count; i++)
            {
                var e = batch[i].Event;
                sequence++;
                var marking = _scheme.FormatBanner(e.Marking ?? Marking.Unclassified);
                var hash = AuditCanonicalForm.Chain(previous,
                    AuditCanonicalForm.Canonical(sequence, time, e.Actor, e.Action, e.Target, e.Outcome, e.ClientAddress, marking, e.Details));
                records[i] = new AuditRecord
                {
                    Sequence = sequence, TimestampUtc = time, Actor = e.Actor, Action = e.Action, Target = e.Target, Outcome = e.Outcome,
                    ClientAddress = e.ClientAddress, Marking = marking, Details = e.Details, Hash = AuditCanonicalForm.ToHex(hash),
                };
                object?[] values = [sequence, time, e.Actor, e.Action, e.Target, e.Outcome, e.ClientAddress, marking, e.Details, records[i].Hash];
                for (var p = 0; p < values.Length; p++)
                {
                    parameters[p].Value = values[p] ?? DBNull.Value;
                    parameters[p].DbType = p == 0 ? System.Data.DbType.Int64 : System.Data.DbType.String;
                }
                await insert.ExecuteNonQueryAsync();
                previous = hash;
            }
            await transaction.CommitAsync();
            _committedSequence = sequence;
            _committedHash = records[^1].Hash;
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException)
        {
            LogWriteFailed(_logger, batch.Count, ex.Message, ex);
            var refused = new AuditUnavailableException(
                $"The audit log could not be written ({ex.Message}); the action was refused. Check that the database is not locked by another process " +
                "(Data:BusyTimeoutSeconds) and that its disk has free space.", ex);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(refused);
            }
            return;
        }
        finally
        {
            ExitWriteGate(written);
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(records[i]);
        }
        if (_lastCheckpointSequence < 0 || _committedSequence - _lastCheckpointSequence >= _options.CheckpointEvery
            || DateTime.UtcNow - _lastCheckpointTime >= TimeSpan.FromSeconds(_options.CheckpointIntervalSeconds))
        {
            await WriteCheckpointAsync();
        }
    }

    /// <summary>
    /// Takes the chain's write lock for the transaction. SQLite: BEGIN IMMEDIATE, the database write lock (waiting up
    /// to Data:BusyTimeoutSeconds). PostgreSQL: a transaction-scoped advisory lock that every writer on every node
    /// takes before it reads the tail, so two nodes never chain onto the same record; lock_timeout bounds the wait.
    /// </summary>
    private async Task<DbTransaction> BeginWriteAsync(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            // Microsoft.Data.Sqlite retries a busy database for DefaultTimeout seconds on top of busy_timeout.
            sqlite.DefaultTimeout = _lockTimeoutSeconds;
            await using (var pragma = sqlite.CreateCommand())
            {
                pragma.CommandText = $"PRAGMA busy_timeout={_lockTimeoutSeconds * 1000};";
                await pragma.ExecuteNonQueryAsync();
            }
            // In this process's queue of writers first (the caller's finally gives it back), then SQLite's lock.
            if (_writeQueue)
            {
                var gate = SqliteWriteGate.For(sqlite)!;
                await gate.EnterAsync(sqlite, TimeSpan.FromSeconds(_lockTimeoutSeconds));
                gate.Running(sqlite, "audit log: records or checkpoint");
            }
            return sqlite.BeginTransaction(deferred: false);
        }
        var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SET LOCAL lock_timeout = '{_lockTimeoutSeconds}s'; SELECT pg_advisory_xact_lock({AuditData.ChainLockKey});");
        await command.ExecuteNonQueryAsync();
        return transaction;
    }

    /// <summary>Gives this process's SQLite write queue back (nothing when the connection's closing already did, or on PostgreSQL).</summary>
    private static void ExitWriteGate(DbConnection? connection)
    {
        if (connection is not null)
        {
            SqliteWriteGate.For(connection)?.Exit(connection);
        }
    }

    private static async Task<(long Sequence, byte[] Hash)> ReadTailAsync(DbConnection connection, DbTransaction transaction)
    {
        await using var tail = connection.CreateCommand();
        tail.Transaction = transaction;
        tail.CommandText = $"SELECT \"Sequence\", \"Hash\" FROM \"{AuditData.TableName}\" ORDER BY \"Sequence\" DESC LIMIT 1";
        await using var row = await tail.ExecuteReaderAsync();
        return await row.ReadAsync()
            ? (row.GetInt64(0), AuditCanonicalForm.FromHex(row.GetString(1)))
            : (0, AuditCanonicalForm.GenesisHash);
    }

    /// <summary>
    /// Appends "SEQUENCE HASH UTC" for the chain's tail and forces it to disk, holding the chain lock (the same one the
    /// writers of every node take) with the tail re-read in that transaction. A failure is logged; the records are
    /// already durable, and the next checkpoint covers them.
    /// </summary>
    private async Task WriteCheckpointAsync()
    {
        _lastCheckpointTime = DateTime.UtcNow;
        if (_committedSequence == 0)
        {
            _lastCheckpointSequence = 0;
            return;
        }
        DbConnection? written = null;
        try
        {
            await using var db = await _contexts.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            var connection = written = db.Database.GetDbConnection();
            await using var transaction = await BeginWriteAsync(connection);
            var (sequence, hash) = await ReadTailAsync(connection, transaction);
            if (sequence > LastCheckpointedSequence(CheckpointPath))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(CheckpointPath)!);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{sequence} {AuditCanonicalForm.ToHex(hash)} {AuditCanonicalForm.FormatTimestamp(_lastCheckpointTime)}\n");
                await using var file = new FileStream(CheckpointPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line));
                file.Flush(flushToDisk: true);
            }
            await transaction.CommitAsync();
            _lastCheckpointSequence = Math.Max(_committedSequence, sequence);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DbException or InvalidOperationException)
        {
            LogCheckpointFailed(_logger, CheckpointPath, ex.Message, ex);
        }
        finally
        {
            ExitWriteGate(written);
        }
    }

    /// <summary>The sequence of the file's last checkpoint line (0 when there is none); read from the file's end.</summary>
    private static long LastCheckpointedSequence(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = (int)Math.Min(file.Length, 512);
        file.Seek(-length, SeekOrigin.End);
        var buffer = new byte[length];
        file.ReadExactly(buffer);
        var lines = System.Text.Encoding.UTF8.GetString(buffer).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            var first = lines[i].Split(' ', 2)[0];
            if (long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && (i > 0 || length == file.Length))
            {
                return sequence;
            }
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _channel.Writer.TryComplete();
        await _consumer;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record Pending(AuditEvent Event, TaskCompletionSource<AuditRecord> Completion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit write of {Count} record(s) failed; the actions were refused: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit checkpoint could not be appended to {Path}: {Reason}")]
    private static partial void LogCheckpointFailed(ILogger logger, string path, string reason, Exception exception);
}
