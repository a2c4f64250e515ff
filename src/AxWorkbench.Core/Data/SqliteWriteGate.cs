using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.Core.Data;

/// <summary>
/// One SQLite database file's write lock, taken in this process before SQLite's own: writers queue here, first come
/// first served, waiting asynchronously, and reach SQLite only when no other writer of this process holds it.
/// <para>
/// Why: SQLite has one writer at a time and no queue. A writer that finds the database locked sleeps and tries again
/// (the busy handler, up to 100 ms a try, blocking its thread), and every try is a lottery against the writers that
/// arrived since. Under load a waiting writer lost for seconds (an audit record waited 14 s with 16 analysts), the lock
/// sat free while the waiters slept, and each waiter held a thread-pool thread that the web needed.
/// </para>
/// <para>
/// The gate adds no correctness of its own: SQLite's lock still decides, and other processes (the operator command
/// line) still meet the busy handler. A writer that waits here longer than the busy timeout goes on to SQLite without
/// the gate, so a writer stuck inside a transaction fails as it did before (database is locked) instead of hanging.
/// Taken by <see cref="SqliteWriteGateInterceptor"/> for EF's transactions and writes, and by the audit log's own
/// transaction. Holder: the connection, released when its transaction ends or, at the latest, when it closes.
/// </para>
/// </summary>
public sealed class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SqliteWriteGate> Gates = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, SqliteWriteGate> ByConnectionString = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Lock _maxima = new();
    private DbConnection? _holder;
    private long _entered;
    private long _timedOut;
    private long _longestWaitTicks;
    private long _heldSince;
    private long _heldTicks;
    private long _intervalLongestHoldTicks;
    private long _intervalLongestWaitTicks;
    private string? _statement;
    private string? _intervalLongestHolder;
    private int _waiting;

    private SqliteWriteGate(string key) => Key = key;

    /// <summary>The database this gate guards (its full path, or the connection string of an in-memory database).</summary>
    public string Key { get; }

    /// <summary>Writers that took the gate since the process started.</summary>
    public long Entered => Interlocked.Read(ref _entered);

    /// <summary>Writers that gave up waiting here and went on to SQLite's busy handler.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Writers waiting now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The longest any writer waited for the gate.</summary>
    public TimeSpan LongestWait => TimeSpan.FromTicks(Interlocked.Read(ref _longestWaitTicks));

    /// <summary>How long writers have held the gate in all (the database's write lock, as far as this process uses it).</summary>
    public TimeSpan Held => TimeSpan.FromTicks(Interlocked.Read(ref _heldTicks));

    /// <summary>
    /// The longest hold and the longest wait since the last call, and the holder's last statement in that longest hold
    /// (the first 80 characters): what <see cref="SqliteWriteQueueMonitor"/> reports each interval.
    /// </summary>
    public (TimeSpan LongestHold, string? Holder, TimeSpan LongestWait) TakeIntervalMaxima()
    {
        string? holder;
        lock (_maxima)
        {
            holder = _intervalLongestHolder;
            _intervalLongestHolder = null;
        }
        return (TimeSpan.FromTicks(Interlocked.Exchange(ref _intervalLongestHoldTicks, 0)), holder,
            TimeSpan.FromTicks(Interlocked.Exchange(ref _intervalLongestWaitTicks, 0)));
    }

    /// <summary>Notes the statement the holder runs (for the longest hold's report); nothing when <paramref name="connection"/> does not hold the gate.</summary>
    public void Running(DbConnection connection, string? statement)
    {
        if (IsHeldBy(connection) && statement is not null)
        {
            Volatile.Write(ref _statement, statement);
        }
    }

    /// <summary>Whether <paramref name="connection"/> holds the gate.</summary>
    public bool IsHeldBy(DbConnection connection) => ReferenceEquals(Volatile.Read(ref _holder), connection);

    /// <summary>The gate of the database <paramref name="connection"/> opens, or null for a connection that is not SQLite.</summary>
    public static SqliteWriteGate? For(DbConnection connection) =>
        connection is SqliteConnection sqlite ? For(sqlite.ConnectionString) : null;

    /// <summary>The gate of the SQLite database <paramref name="connectionString"/> opens.</summary>
    public static SqliteWriteGate For(string connectionString) =>
        ByConnectionString.GetOrAdd(connectionString, cs => Gates.GetOrAdd(KeyOf(cs), key => new SqliteWriteGate(key)));

    private static string KeyOf(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var source = builder.DataSource;
        return builder.Mode == SqliteOpenMode.Memory || source.Length == 0 || source == ":memory:" || source.StartsWith("file:", StringComparison.Ordinal)
            ? "conn:" + connectionString
            : "file:" + Path.GetFullPath(source);
    }

    /// <summary>
    /// Takes the gate for <paramref name="connection"/>, waiting in turn up to <paramref name="timeout"/>. True when
    /// taken (or already held by it); false when the wait timed out, and the caller goes on to SQLite without it.
    /// </summary>
    public async ValueTask<bool> EnterAsync(DbConnection connection, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (IsHeldBy(connection))
        {
            return true;
        }
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        try
        {
            return Took(connection, await _lock.WaitAsync(timeout, cancellationToken).ConfigureAwait(false), started);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>The synchronous <see cref="EnterAsync"/>, for EF's synchronous calls.</summary>
    public bool Enter(DbConnection connection, TimeSpan timeout)
    {
        if (IsHeldBy(connection))
        {
            return true;
        }
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        try
        {
            return Took(connection, _lock.Wait(timeout), started);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private bool Took(DbConnection connection, bool entered, long started)
    {
        var waited = Stopwatch.GetElapsedTime(started).Ticks;
        Max(ref _longestWaitTicks, waited);
        Max(ref _intervalLongestWaitTicks, waited);
        if (!entered)
        {
            Interlocked.Increment(ref _timedOut);
            return false;
        }
        Volatile.Write(ref _statement, null);
        Volatile.Write(ref _heldSince, Stopwatch.GetTimestamp());
        Volatile.Write(ref _holder, connection);
        Interlocked.Increment(ref _entered);
        return true;
    }

    private static bool Max(ref long field, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref field)))
        {
            if (Interlocked.CompareExchange(ref field, value, current) == current)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Releases the gate if <paramref name="connection"/> holds it; nothing otherwise (safe to call twice).</summary>
    public void Exit(DbConnection connection)
    {
        if (ReferenceEquals(Volatile.Read(ref _holder), connection))
        {
            var held = Stopwatch.GetElapsedTime(Volatile.Read(ref _heldSince)).Ticks;
            var statement = Volatile.Read(ref _statement);
            if (!ReferenceEquals(Interlocked.CompareExchange(ref _holder, null, connection), connection))
            {
                return;
            }
            Interlocked.Add(ref _heldTicks, held);
            if (Max(ref _intervalLongestHoldTicks, held))
            {
                lock (_maxima)
                {
                    _intervalLongestHolder = statement is null ? null : statement.Length > 80 ? statement[..80] : statement;
                }
            }
            _lock.Release();
        }
    }
}
