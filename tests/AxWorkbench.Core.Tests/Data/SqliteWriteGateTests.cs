using System.Diagnostics;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// The process's queue in front of SQLite's write lock, on a real database file through the app's own EF
/// configuration: waiting writers are served in the order they came, none holds a thread while it waits, a transaction
/// that ends any way gives the lock back, and a writer that waits past the busy timeout goes on to SQLite.
/// </summary>
public sealed class SqliteWriteGateTests
{
    private static Task<TempDataHost> StartAsync(int busyTimeoutSeconds = 30) =>
        TempDataHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Data:BusyTimeoutSeconds"] = busyTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private static async Task<WorkbenchDbContext> ContextAsync(TempDataHost host) =>
        await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();

    private static async Task<SqliteWriteGate> CreateTableAsync(TempDataHost host)
    {
        await using var db = await ContextAsync(host);
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE GateOrder (Id INTEGER PRIMARY KEY AUTOINCREMENT, Writer TEXT NOT NULL)");
        await db.Database.OpenConnectionAsync();
        return SqliteWriteGate.For(db.Database.GetDbConnection())!;
    }

    /// <summary>One statement outside a transaction (how EF saves a single change) or two in an EF transaction.</summary>
    private static async Task WriteAsync(TempDataHost host, string writer, bool inTransaction)
    {
        await using var db = await ContextAsync(host);
        if (!inTransaction)
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ({0})", writer);
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ({0})", writer + ".1");
        await db.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ({0})", writer + ".2");
        await transaction.CommitAsync();
    }

    private static async Task<List<string>> WritersAsync(TempDataHost host)
    {
        await using var db = await ContextAsync(host);
        return await db.Database.SqlQueryRaw<string>("SELECT Writer AS Value FROM GateOrder ORDER BY Id").ToListAsync();
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task WaitingWriters_AreServedInTheOrderTheyCame_AndNoneHoldsAThreadWhileItWaits()
    {
        await using var host = await StartAsync();
        var gate = await CreateTableAsync(host);
        var timedOutBefore = gate.TimedOut;

        // The holder: an EF transaction that has written and not committed yet.
        await using var holder = await ContextAsync(host);
        var holding = await holder.Database.BeginTransactionAsync();
        await holder.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ('holder')");
        Assert.True(gate.IsHeldBy(holder.Database.GetDbConnection()));

        // Six writers, alternately one statement and a two-statement transaction, each queued before the next comes.
        var writers = new List<Task>();
        for (var i = 1; i <= 6; i++)
        {
            var clock = Stopwatch.StartNew();
            writers.Add(WriteAsync(host, $"w{i}", inTransaction: i % 2 == 0));
            // Without the queue this call would not return: SQLite's busy handler sleeps on the calling thread.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"writer {i}'s call took {clock.Elapsed.TotalSeconds:F1} s to return while the lock was held");
            Assert.False(writers[^1].IsCompleted, $"writer {i} finished while another transaction held the write lock");
            var expected = i;
            await WaitForAsync(() => gate.Waiting == expected, $"{expected} writers wait in the queue (now {gate.Waiting})");
        }

        await holding.CommitAsync();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["holder", "w1", "w2.1", "w2.2", "w3", "w4.1", "w4.2", "w5", "w6.1", "w6.2"], await WritersAsync(host));
        Assert.Equal(0, gate.Waiting);
        Assert.Equal(timedOutBefore, gate.TimedOut);
    }

    [Fact]
    public async Task ATransactionDisposedWithoutCommit_GivesTheLockBack()
    {
        await using var host = await StartAsync(busyTimeoutSeconds: 20);
        var gate = await CreateTableAsync(host);

        await using (var abandoned = await ContextAsync(host))
        {
            var transaction = await abandoned.Database.BeginTransactionAsync();
            await abandoned.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ('abandoned')");
            Assert.True(gate.IsHeldBy(abandoned.Database.GetDbConnection()));
            await transaction.DisposeAsync(); // neither committed nor rolled back: EF tells no interceptor
        }

        var clock = Stopwatch.StartNew();
        await WriteAsync(host, "next", inTransaction: false);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the next writer waited {clock.Elapsed.TotalSeconds:F1} s for a lock no one held");
        Assert.Equal(["next"], await WritersAsync(host));
    }

    [Fact]
    public async Task AWriterThatWaitsPastTheBusyTimeout_GoesOnToSqlite_AndWritesWhenTheLockIsFree()
    {
        await using var host = await StartAsync(busyTimeoutSeconds: 1);
        var gate = await CreateTableAsync(host);
        var timedOutBefore = gate.TimedOut;

        await using var holder = await ContextAsync(host);
        var holding = await holder.Database.BeginTransactionAsync();
        await holder.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ('holder')");
        var writer = Task.Run(() => WriteAsync(host, "late", inTransaction: false));

        await WaitForAsync(() => gate.TimedOut > timedOutBefore, "the waiting writer gives up on the queue after the 1 s busy timeout");
        Assert.False(writer.IsCompleted);
        await holding.CommitAsync();
        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(["holder", "late"], await WritersAsync(host));
    }

    [Fact]
    public async Task TheAuditLogsWriter_WaitsInTheSameQueue()
    {
        await using var host = await StartAsync();
        var gate = await CreateTableAsync(host);
        var enteredBefore = gate.Entered;

        await using var holder = await ContextAsync(host);
        var holding = await holder.Database.BeginTransactionAsync();
        await holder.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ('holder')");
        var audit = host.Services.GetRequiredService<IAuditLog>().WriteAsync(new AuditEvent { Action = "test.gate", Actor = "tester" });
        await WaitForAsync(() => gate.Waiting == 1, "the audit writer waits in the queue");
        Assert.False(audit.IsCompleted);

        await holding.CommitAsync();
        var record = await audit.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("test.gate", record.Action);
        Assert.True(gate.Entered >= enteredBefore + 2, $"the gate was taken {gate.Entered - enteredBefore} times (holder and audit writer expected)");
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task TheLongestHold_IsReportedWithTheStatementThatHeldIt()
    {
        await using var host = await StartAsync();
        var gate = await CreateTableAsync(host);
        gate.TakeIntervalMaxima();

        await using (var holder = await ContextAsync(host))
        {
            await using var transaction = await holder.Database.BeginTransactionAsync();
            await holder.Database.ExecuteSqlRawAsync("INSERT INTO GateOrder (Writer) VALUES ('slow holder')");
            await Task.Delay(300);
            await transaction.CommitAsync();
        }
        var heldBefore = gate.Held;
        await WriteAsync(host, "quick", inTransaction: false);

        var (longestHold, statement, _) = gate.TakeIntervalMaxima();
        Assert.True(longestHold >= TimeSpan.FromMilliseconds(300), $"longest hold {longestHold.TotalMilliseconds} ms");
        Assert.StartsWith("INSERT INTO GateOrder (Writer) VALUES ('slow holder')", statement);
        Assert.True(gate.Held > heldBefore);
        Assert.Equal(TimeSpan.Zero, gate.TakeIntervalMaxima().LongestHold); // taken: the next interval starts from nothing
    }

    [Theory]
    [InlineData("SELECT 1", false)]
    [InlineData("  select \"x\" FROM t", false)]
    [InlineData("WITH a AS (SELECT 1) SELECT * FROM a", false)]
    [InlineData("PRAGMA busy_timeout", false)]
    [InlineData("-- a tag\nSELECT 1", false)]
    [InlineData("", false)]
    [InlineData("INSERT INTO t VALUES (1)", true)]
    [InlineData("UPDATE t SET a = 1", true)]
    [InlineData("DELETE FROM t", true)]
    [InlineData("-- a tag\n/* note */ insert into t values (1) RETURNING id", true)]
    [InlineData("CREATE TABLE t (a)", true)]
    public void Statements_AreToldApart(string sql, bool write) => Assert.Equal(write, SqliteWriteGateInterceptor.IsWrite(sql));
}
