using System.Data.Common;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Tests.Data;

namespace AxWorkbench.Core.Tests.Audit;

public sealed class SqliteAuditTamperTests() : AuditTamperTests(DbProvider.Sqlite);

public sealed class PostgresAuditTamperTests() : AuditTamperTests(DbProvider.Postgres);

/// <summary>
/// Tampering with a real database (the SQLite file, or the PostgreSQL tables through the owner's login): the verifier
/// names the first bad sequence number every time.
/// </summary>
public abstract class AuditTamperTests(DbProvider provider)
{
    private const int Records = 12; // checkpoints (every 5) at 1, 6, 11 and 12 at shutdown

    private async Task<TempDataHost> ChainAsync()
    {
        var host = await AuditTestKit.StartAsync(checkpointEvery: 5, provider: provider);
        await host.WriteSequentialAsync(Records);
        await host.StopWriterAsync();
        return host;
    }

    [Fact]
    public async Task UntouchedChain_IsValid_AndMatchesItsCheckpoints()
    {
        await using var host = await ChainAsync();

        var verdict = await host.VerifyAsync();

        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Null(verdict.FirstBadSequence);
        Assert.Equal(Records, verdict.RecordsChecked);
        Assert.Equal([1L, 6, 11, 12], File.ReadLines(host.CheckpointPath()).Select(l => long.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(4, verdict.CheckpointsChecked);
    }

    [Fact]
    public async Task ChangedField_IsFoundAtThatRecord()
    {
        await using var host = await ChainAsync();
        await host.TamperAsync("UPDATE AuditRecords SET Actor = 'someone-else' WHERE Sequence = 7");

        var verdict = await host.VerifyAsync();

        Assert.False(verdict.IsValid);
        Assert.Equal(7, verdict.FirstBadSequence);
        Assert.Contains("Record 7", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedDetailsInTheFirstRecord_IsFoundAtSequenceOne()
    {
        await using var host = await ChainAsync();
        await host.TamperAsync("""UPDATE AuditRecords SET Details = '{"n":99}' WHERE Sequence = 1""");

        Assert.Equal(1, (await host.VerifyAsync()).FirstBadSequence);
    }

    [Fact]
    public async Task DeletedRecord_IsFoundAsMissing()
    {
        await using var host = await ChainAsync();
        await host.TamperAsync("DELETE FROM AuditRecords WHERE Sequence = 4");

        var verdict = await host.VerifyAsync();

        Assert.False(verdict.IsValid);
        Assert.Equal(4, verdict.FirstBadSequence);
        Assert.Contains("missing", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwappedRecords_AreFoundAtTheFirstOfThem()
    {
        await using var host = await ChainAsync();
        // Exchange everything but the sequence numbers of records 8 and 9 (their stored hashes travel with them).
        const string columns = "TimestampUtc, Actor, Action, Target, Outcome, ClientAddress, Marking, Details, Hash";
        await host.TamperAsync(
            $"CREATE TEMP TABLE t AS SELECT Sequence, {columns} FROM AuditRecords WHERE Sequence IN (8, 9)",
            "UPDATE AuditRecords SET " + string.Join(", ", columns.Split(", ").Select(c => $"{c} = (SELECT {c} FROM t WHERE t.Sequence = 17 - AuditRecords.Sequence)")) +
            " WHERE Sequence IN (8, 9)");
        var records = await host.ReadAllAsync();
        Assert.Equal("""{"n":9}""", records[7].Details);

        var verdict = await host.VerifyAsync();

        Assert.False(verdict.IsValid);
        Assert.Equal(8, verdict.FirstBadSequence);
    }

    [Fact]
    public async Task ForgedRecordInsertedInTheMiddle_IsFoundAtTheForgery()
    {
        await using var host = await ChainAsync();
        var records = await host.ReadAllAsync();
        // Renumber 6..12 to 7..13 and put a forged record at 6 that carries a well-formed hash of its own content.
        var forgedHash = AuditCanonicalForm.ToHex(AuditCanonicalForm.Chain(AuditCanonicalForm.GenesisHash,
            AuditCanonicalForm.Canonical(6, records[5].TimestampUtc, "admin", AuditActions.Login, null, AuditOutcomes.Success, "10.0.0.9", "UNCLASSIFIED", null)));
        await host.TamperAsync(
            "UPDATE AuditRecords SET Sequence = -(Sequence + 1) WHERE Sequence >= 6",
            "UPDATE AuditRecords SET Sequence = -Sequence WHERE Sequence < 0",
            $"INSERT INTO AuditRecords (Sequence, TimestampUtc, Actor, Action, Target, Outcome, ClientAddress, Marking, Details, Hash) " +
            $"VALUES (6, '{records[5].TimestampUtc}', 'admin', '{AuditActions.Login}', NULL, 'success', '10.0.0.9', 'UNCLASSIFIED', NULL, '{forgedHash}')");

        var verdict = await host.VerifyAsync();

        Assert.False(verdict.IsValid);
        Assert.Equal(6, verdict.FirstBadSequence);
    }

    [Fact]
    public async Task ForgedRecordAppendedAtTheEnd_IsFound()
    {
        await using var host = await ChainAsync();
        await host.TamperAsync(
            "INSERT INTO AuditRecords (Sequence, TimestampUtc, Actor, Action, Target, Outcome, ClientAddress, Marking, Details, Hash) " +
            $"SELECT 13, TimestampUtc, 'supervisor', '{AuditActions.SignOff}', 'session-1', 'success', NULL, Marking, NULL, Hash FROM AuditRecords WHERE Sequence = 12");

        Assert.Equal(13, (await host.VerifyAsync()).FirstBadSequence);
    }

    [Fact]
    public async Task TruncatedTail_IsFoundThroughTheExternalCheckpoint()
    {
        await using var host = await ChainAsync();
        await host.TamperAsync("DELETE FROM AuditRecords WHERE Sequence >= 10");

        var verdict = await host.VerifyAsync();

        // Records 1..9 still chain perfectly; only the checkpoint file knows there were 12.
        Assert.False(verdict.IsValid);
        Assert.Equal(10, verdict.FirstBadSequence);
        Assert.Contains("truncated", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChainRewrittenWithRecomputedHashes_IsFoundThroughTheCheckpoints()
    {
        await using var host = await ChainAsync();
        var records = await host.ReadAllAsync();
        // An attacker who knows the algorithm changes record 8 and recomputes every hash after it.
        records[7].Actor = "someone-else";
        var previous = AuditCanonicalForm.FromHex(records[6].Hash);
        var statements = new List<string>();
        foreach (var record in records.Skip(7))
        {
            previous = AuditCanonicalForm.Chain(previous, AuditCanonicalForm.Canonical(record));
            statements.Add($"UPDATE AuditRecords SET Actor = '{record.Actor}', Hash = '{AuditCanonicalForm.ToHex(previous)}' WHERE Sequence = {record.Sequence}");
        }
        await host.TamperAsync([.. statements]);

        var verdict = await host.VerifyAsync();

        // Checkpoint 11 no longer matches; 6 was the last one that did, so 7 is the first record not proven.
        Assert.False(verdict.IsValid);
        Assert.Equal(7, verdict.FirstBadSequence);
        Assert.Contains("rewritten", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingCheckpointFile_IsNotAValidVerdict()
    {
        await using var host = await ChainAsync();
        File.Delete(host.CheckpointPath());

        var verdict = await host.VerifyAsync();

        Assert.False(verdict.IsValid);
        Assert.Contains("No checkpoints", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateOrDeleteThroughSql_IsRefusedByTheDatabase()
    {
        await using var host = await AuditTestKit.StartAsync(provider: provider);
        await host.WriteSequentialAsync(2);
        await using var connection = await host.OpenRawAsync();

        List<string> statements = ["UPDATE AuditRecords SET Actor = 'x' WHERE Sequence = 1", "DELETE FROM AuditRecords WHERE Sequence = 2"];
        if (provider == DbProvider.Postgres)
        {
            statements.Add("TRUNCATE AuditRecords"); // SQLite has no TRUNCATE (its DELETE without WHERE is refused above)
        }
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = host.ForProvider(sql);
            var ex = await Assert.ThrowsAnyAsync<DbException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", ex.Message, StringComparison.Ordinal);
        }
        Assert.True((await host.VerifyAsync()).IsValid);
    }
}
