using System.Diagnostics;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Tests.Data;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Audit;

/// <summary>
/// Benchmark-style measurements (printed; lines start with "AUDIT-BENCH"): events per second the single
/// writer sustains, and the verifier's time per 100k records. They assert correctness, not speed.
/// </summary>
public sealed class SqliteAuditThroughputTests(ITestOutputHelper output) : AuditThroughputTests(DbProvider.Sqlite, output);

public sealed class PostgresAuditThroughputTests(ITestOutputHelper output) : AuditThroughputTests(DbProvider.Postgres, output);

public abstract class AuditThroughputTests(DbProvider provider, ITestOutputHelper output)
{
    [Fact]
    public async Task Writer_SustainsConcurrentLoad_AndTheResultVerifies()
    {
        await using var host = await AuditTestKit.StartAsync(checkpointEvery: 1000, provider: provider);
        var log = host.Log();
        await log.WriteAsync(AuditTestKit.Event(0)); // warm up: connection pool, JIT

        const int sequential = 200;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < sequential; i++)
        {
            await log.WriteAsync(AuditTestKit.Event(i));
        }
        var sequentialRate = sequential / watch.Elapsed.TotalSeconds;

        const int producers = 32;
        const int perProducer = 500;
        watch.Restart();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                await log.WriteAsync(AuditTestKit.Event(i, $"user-{p}"));
            }
        })));
        var concurrentRate = producers * perProducer / watch.Elapsed.TotalSeconds;
        await host.StopWriterAsync();

        output.WriteLine($"AUDIT-BENCH provider {provider}");
        output.WriteLine($"AUDIT-BENCH writer, one caller awaiting each event (one fsync'd commit each): {sequentialRate:F0} events/s");
        output.WriteLine($"AUDIT-BENCH writer, {producers} concurrent callers ({producers * perProducer} events, batched commits): {concurrentRate:F0} events/s");
        var verdict = await host.VerifyAsync();
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Equal(1 + sequential + producers * perProducer, verdict.RecordsChecked);
    }
}

/// <summary>The verifier's walk over 100k records of a SQLite file (the walk is the same code on PostgreSQL).</summary>
public sealed class AuditVerifierThroughputTests(ITestOutputHelper output)
{

    [Fact]
    public async Task Verifier_Walks100kRecords_AndReportsItsTime()
    {
        await using var host = await AuditTestKit.StartAsync();
        await host.WriteSequentialAsync(1); // creates the table through the real writer
        await host.StopWriterAsync();
        const int total = 100_000;
        await AppendChainAsync(host.DatabasePath(), host.CheckpointPath(), total, checkpointEvery: 100);

        var verdict = await host.VerifyAsync();

        output.WriteLine($"AUDIT-BENCH verifier: {verdict.RecordsChecked} records, {verdict.CheckpointsChecked} checkpoints in {verdict.Elapsed.TotalMilliseconds:F0} ms " +
            $"= {verdict.Elapsed.TotalMilliseconds * 100_000 / verdict.RecordsChecked:F0} ms per 100k events");
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Equal(total, verdict.RecordsChecked);
    }

    /// <summary>Extends the chain to <paramref name="total"/> records in one transaction, with checkpoints, as the writer would.</summary>
    internal static async Task AppendChainAsync(string databasePath, string checkpointPath, int total, int checkpointEvery)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var tail = connection.CreateCommand();
        tail.CommandText = "SELECT Sequence, Hash FROM AuditRecords ORDER BY Sequence DESC LIMIT 1";
        long sequence;
        byte[] previous;
        await using (var row = await tail.ExecuteReaderAsync())
        {
            await row.ReadAsync();
            (sequence, previous) = (row.GetInt64(0), AuditCanonicalForm.FromHex(row.GetString(1)));
        }
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO AuditRecords (Sequence, TimestampUtc, Actor, Action, Target, Outcome, ClientAddress, Marking, Details, Hash) " +
            "VALUES ($seq, $time, $actor, $action, $target, 'success', $address, 'UNCLASSIFIED', $details, $hash)";
        var p = new[] { "$seq", "$time", "$actor", "$action", "$target", "$address", "$details", "$hash" }
            .Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        var checkpoints = new System.Text.StringBuilder();
        var time = AuditCanonicalForm.FormatTimestamp(DateTime.UtcNow);
        while (sequence < total)
        {
            sequence++;
            var e = AuditTestKit.Event((int)sequence, $"user-{sequence % 40}");
            var hash = AuditCanonicalForm.Chain(previous, AuditCanonicalForm.Canonical(sequence, time, e.Actor, e.Action, e.Target, AuditOutcomes.Success, e.ClientAddress, "UNCLASSIFIED", e.Details));
            object[] values = [sequence, time, e.Actor, e.Action, e.Target!, e.ClientAddress!, e.Details!, AuditCanonicalForm.ToHex(hash)];
            for (var i = 0; i < values.Length; i++)
            {
                p[i].Value = values[i];
            }
            await insert.ExecuteNonQueryAsync();
            if (sequence % checkpointEvery == 0 || sequence == total)
            {
                checkpoints.Append(System.Globalization.CultureInfo.InvariantCulture, $"{sequence} {AuditCanonicalForm.ToHex(hash)} {time}\n");
            }
            previous = hash;
        }
        await transaction.CommitAsync();
        await File.AppendAllTextAsync(checkpointPath, checkpoints.ToString());
    }
}
