using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AxWorkbench.Core.Data;

/// <summary>
/// Puts EF's SQLite writers in <see cref="SqliteWriteGate"/>'s queue: a transaction takes the gate before its BEGIN
/// (Microsoft.Data.Sqlite begins IMMEDIATE: the write lock) and gives it back when it commits, rolls back or fails; a
/// write outside a transaction (EF runs a one-statement SaveChanges without one) takes it around the statement. Reads
/// never wait here (WAL readers do not block writers). The connection's closing gives the gate back at the latest, so a
/// transaction disposed without commit or rollback cannot keep it.
/// </summary>
public sealed class SqliteWriteGateInterceptor(int busyTimeoutSeconds) : IDbCommandInterceptor, IDbTransactionInterceptor, IDbConnectionInterceptor
{
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(Math.Max(1, busyTimeoutSeconds));

    // Which connection a transaction runs on: Microsoft.Data.Sqlite forgets it once the transaction has ended.
    private readonly ConditionalWeakTable<DbTransaction, DbConnection> _transactions = new();

    // The write commands that took the gate themselves (outside a transaction), to give it back when they end.
    private readonly ConditionalWeakTable<DbCommand, DbConnection> _commands = new();

    // ---- transactions ----

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        SqliteWriteGate.For(connection)?.Enter(connection, _timeout);
        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (SqliteWriteGate.For(connection) is { } gate)
        {
            await gate.EnterAsync(connection, _timeout, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        _transactions.AddOrUpdate(result, connection);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result,
        CancellationToken cancellationToken = default) => ValueTask.FromResult(TransactionStarted(connection, eventData, result));

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Ended(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Ended(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(transaction);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        // A failed commit or rollback: SQLite has ended the transaction or will when the connection closes; either way
        // the connection's closing gives the gate back. A failed savepoint leaves the transaction open: keep it.
        if (eventData.Action is "Commit" or "Rollback")
        {
            Ended(transaction);
        }
    }

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionFailed(transaction, eventData);
        return Task.CompletedTask;
    }

    private void Ended(DbTransaction transaction)
    {
        if (_transactions.TryGetValue(transaction, out var connection))
        {
            _transactions.Remove(transaction);
            SqliteWriteGate.For(connection)?.Exit(connection);
        }
    }

    // ---- writes outside a transaction ----

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        EnterForCommand(command);
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        await EnterForCommandAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        ExitForCommand(command);
        return result;
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        ExitForCommand(command);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        EnterForCommand(command);
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result,
        CancellationToken cancellationToken = default)
    {
        await EnterForCommandAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        ExitForCommand(command);
        return result;
    }

    public ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        ExitForCommand(command);
        return ValueTask.FromResult(result);
    }

    // A reader (INSERT ... RETURNING, EF's batches) keeps the statement, and so SQLite's lock, until it is disposed.
    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        EnterForCommand(command);
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await EnterForCommandAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        ExitForCommand(command);
        return result;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => ExitForCommand(command);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        ExitForCommand(command);
        return Task.CompletedTask;
    }

    public void CommandCanceled(DbCommand command, CommandEndEventData eventData) => ExitForCommand(command);

    public Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ExitForCommand(command);
        return Task.CompletedTask;
    }

    private static SqliteWriteGate? GateForWrite(DbCommand command) =>
        command.Connection is { } connection && IsWrite(command.CommandText) ? SqliteWriteGate.For(connection) : null;

    private void EnterForCommand(DbCommand command)
    {
        if (GateForWrite(command) is not { } gate)
        {
            return;
        }
        var connection = command.Connection!;
        if (command.Transaction is null && !gate.IsHeldBy(connection) && gate.Enter(connection, _timeout))
        {
            _commands.AddOrUpdate(command, connection);
        }
        gate.Running(connection, command.CommandText);
    }

    private async ValueTask EnterForCommandAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (GateForWrite(command) is not { } gate)
        {
            return;
        }
        var connection = command.Connection!;
        if (command.Transaction is null && !gate.IsHeldBy(connection) && await gate.EnterAsync(connection, _timeout, cancellationToken).ConfigureAwait(false))
        {
            _commands.AddOrUpdate(command, connection);
        }
        gate.Running(connection, command.CommandText);
    }

    private void ExitForCommand(DbCommand command)
    {
        if (_commands.TryGetValue(command, out var connection))
        {
            _commands.Remove(command);
            SqliteWriteGate.For(connection)?.Exit(connection);
        }
    }

    /// <summary>
    /// Whether a statement may write: anything but a query or a pragma read. A write taken for a read only waits its
    /// turn; a write taken for a read meets SQLite's busy handler, as without the gate.
    /// </summary>
    internal static bool IsWrite(string? sql)
    {
        var text = sql.AsSpan();
        while (true)
        {
            text = text.TrimStart();
            if (text.StartsWith("--"))
            {
                var end = text.IndexOf('\n');
                text = end < 0 ? [] : text[(end + 1)..];
            }
            else if (text.StartsWith("/*"))
            {
                var end = text.IndexOf("*/");
                text = end < 0 ? [] : text[(end + 2)..];
            }
            else
            {
                break;
            }
        }
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (var read in ReadKeywords)
        {
            if (text.StartsWith(read, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }

    private static readonly string[] ReadKeywords = ["SELECT", "WITH", "PRAGMA", "EXPLAIN", "VALUES"];

    // ---- connections: the latest point a holder gives the gate back ----

    public InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        SqliteWriteGate.For(connection)?.Exit(connection);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        SqliteWriteGate.For(connection)?.Exit(connection);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult ConnectionDisposing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        SqliteWriteGate.For(connection)?.Exit(connection);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionDisposingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        SqliteWriteGate.For(connection)?.Exit(connection);
        return ValueTask.FromResult(result);
    }
}
