using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Identity;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Audit;

public sealed class SqliteAuditWriterTests() : AuditWriterTests(DbProvider.Sqlite);

public sealed class PostgresAuditWriterTests() : AuditWriterTests(DbProvider.Postgres);

public abstract class AuditWriterTests(DbProvider provider)
{
    [Fact]
    public async Task Write_ReturnsTheDurableRecord_WithSequenceTimeMarkingAndHash()
    {
        await using var host = await AuditTestKit.StartAsync(provider: provider);
        var before = DateTime.UtcNow;

        var record = await host.Log().WriteAsync(new AuditEvent
        {
            Action = AuditActions.Prompt, Actor = "analyst", Target = "session-1", ClientAddress = "10.1.2.3",
            Marking = MarkingSchemes.Us.ParseBanner("SECRET//NOFORN"), Details = """{"promptSha256":"ab"}""",
        });

        Assert.Equal(1, record.Sequence);
        Assert.Equal("SECRET//NOFORN", record.Marking);
        Assert.InRange(record.Time, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        var stored = Assert.Single(await host.ReadAllAsync());
        Assert.Equal(record.Hash, stored.Hash);
        Assert.Equal("10.1.2.3", stored.ClientAddress);
        Assert.Equal(AuditCanonicalForm.ToHex(AuditCanonicalForm.Chain(AuditCanonicalForm.GenesisHash, AuditCanonicalForm.Canonical(stored))), stored.Hash);
    }

    [Fact]
    public async Task Write_DetailsThatAreNotAJsonObject_AreRejected()
    {
        await using var host = await AuditTestKit.StartAsync(provider: provider);

        await Assert.ThrowsAsync<ArgumentException>(() => host.Log().WriteAsync(AuditTestKit.Event(1) with { Details = "not json" }));
        await Assert.ThrowsAsync<ArgumentException>(() => host.Log().WriteAsync(AuditTestKit.Event(1) with { Details = "[1,2]" }));
        Assert.Empty(await host.ReadAllAsync());
    }

    [Fact]
    public async Task EventsFromManyThreadsAtOnce_FormOneValidChain()
    {
        await using var host = await AuditTestKit.StartAsync(checkpointEvery: 50, provider: provider);
        var log = host.Log();
        const int threads = 16;
        const int perThread = 150;

        var results = await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            var mine = new List<AuditRecord>();
            for (var i = 0; i < perThread; i++)
            {
                mine.Add(await log.WriteAsync(AuditTestKit.Event(i, actor: $"user-{t}")));
            }
            return mine;
        })));
        await host.StopWriterAsync();

        var sequences = results.SelectMany(r => r).Select(r => r.Sequence).Order().ToList();
        Assert.Equal(Enumerable.Range(1, threads * perThread).Select(i => (long)i), sequences);
        // Each thread's own records are in the order it wrote them.
        Assert.All(results, mine => Assert.Equal(mine.Select(r => r.Sequence).Order(), mine.Select(r => r.Sequence)));
        var verdict = await host.VerifyAsync();
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Equal(threads * perThread, verdict.RecordsChecked);
    }

    [Fact]
    public async Task TwoWritersOnTheSameDatabase_LikeTheAppAndAnOperatorCommand_NeverForkTheChain()
    {
        await using var host = await AuditTestKit.StartAsync(provider: provider);
        var second = new AuditLog(
            host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), host.Services.GetRequiredService<IMarkingScheme>(),
            host.Services.GetRequiredService<IOptions<AuditOptions>>(), host.Services.GetRequiredService<IOptions<DataOptions>>(),
            host.Services.GetRequiredService<IHostEnvironment>(), host.Services.GetRequiredService<ILogger<AuditLog>>());
        var first = host.Log();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await (t % 2 == 0 ? first : second).WriteAsync(AuditTestKit.Event(i, $"writer-{t}"));
            }
        })));
        await second.DisposeAsync();
        await host.StopWriterAsync();

        var verdict = await host.VerifyAsync();
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Equal(320, verdict.RecordsChecked);
    }

    /// <summary>
    /// Two nodes sharing one checkpoint file, checkpointing after every batch while both write: each checkpoint is taken
    /// under the chain lock with the tail re-read in that transaction, so the file holds whole lines in increasing order,
    /// each naming a real record, and the chain verifies against it.
    /// </summary>
    [Fact]
    public async Task TwoNodesCheckpointingOneFile_AppendOnlyIncreasingCheckpointsOfTheChainsTail()
    {
        await using var nodeA = await AuditTestKit.StartAsync(checkpointEvery: 1, provider: provider);
        var nodeB = await TempDataHost.StartAsync(directory: nodeA.Directory, provider: provider, settings: new Dictionary<string, string?> { ["Audit:CheckpointEvery"] = "1" });
        try
        {
            Assert.Equal(nodeA.CheckpointPath(), nodeB.CheckpointPath());
            await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < 30; i++)
                {
                    await (t % 2 == 0 ? nodeA : nodeB).Log().WriteAsync(AuditTestKit.Event(i, $"node-{t}"));
                }
            })));
            await nodeB.StopWriterAsync();
            await nodeA.StopWriterAsync();

            var lines = (await File.ReadAllLinesAsync(nodeA.CheckpointPath())).Where(l => l.Length > 0).Select(l => l.Split(' ')).ToList();
            var sequences = lines.Select(l => long.Parse(l[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.True(sequences.Count > 10, $"a checkpoint per batch, got {sequences.Count}");
            Assert.Equal(sequences.Order().Distinct(), sequences); // strictly increasing, from both nodes
            Assert.Equal(240, sequences[^1]);
            var records = (await nodeA.ReadAllAsync()).ToDictionary(r => r.Sequence);
            Assert.All(lines, l => Assert.Equal(records[long.Parse(l[0], System.Globalization.CultureInfo.InvariantCulture)].Hash, l[1]));
            var verdict = await nodeA.VerifyAsync();
            Assert.True(verdict.IsValid, verdict.Message);
            Assert.Equal(sequences.Count, verdict.CheckpointsChecked);
        }
        finally
        {
            nodeB.Host.Dispose(); // node A owns the folder and the database
        }
    }

    /// <summary>
    /// Two nodes (two hosts, each with its own service provider, context factory and writer) on one database, writing
    /// at once: the chain lock (SQLite's write lock; PostgreSQL's advisory lock) with the tail re-read in the same
    /// transaction makes one chain that verifies, holding every record of both.
    /// </summary>
    [Fact]
    public async Task TwoNodesOnOneDatabase_WritingAtOnce_FormOneChain()
    {
        await using var nodeA = await AuditTestKit.StartAsync(provider: provider);
        var nodeB = await TempDataHost.StartAsync(directory: nodeA.Directory, provider: provider);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < 40; i++)
                {
                    await (t % 2 == 0 ? nodeA : nodeB).Log().WriteAsync(AuditTestKit.Event(i, $"node-{(t % 2 == 0 ? "a" : "b")}-{t}"));
                }
            })));
            await nodeB.StopWriterAsync();
            await nodeA.StopWriterAsync();

            var verdict = await nodeA.VerifyAsync();
            Assert.True(verdict.IsValid, verdict.Message);
            Assert.Equal(320, verdict.RecordsChecked);
            var records = await nodeA.ReadAllAsync();
            Assert.Equal(160, records.Count(r => r.Actor.StartsWith("node-a", StringComparison.Ordinal)));
            Assert.Equal(160, records.Count(r => r.Actor.StartsWith("node-b", StringComparison.Ordinal)));
        }
        finally
        {
            nodeB.Host.Dispose(); // not DisposeAsync: node A owns the folder and the database
        }
    }

    [Fact]
    public async Task LockedDatabase_RefusesTheAuditedAction_AndNeverRunsIt()
    {
        await using var host = await AuditTestKit.StartAsync(busyTimeoutSeconds: 1, provider: provider);
        await host.WriteSequentialAsync(1);
        var performed = false;

        await using (await host.HoldChainLockAsync())
        {
            var ex = await Assert.ThrowsAsync<AuditUnavailableException>(() => host.Log().RunAuditedAsync(
                AuditTestKit.Event(2), _ =>
                {
                    performed = true;
                    return Task.CompletedTask;
                }));

            Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
            Assert.False(performed);
        }

        // Lock released: the log works again and the chain has no hole.
        await host.Log().WriteAsync(AuditTestKit.Event(3));
        await host.StopWriterAsync();
        var verdict = await host.VerifyAsync();
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Equal(2, verdict.RecordsChecked);
    }

    [Fact]
    public async Task LockedDatabase_RefusesDisablingAUser()
    {
        await using var host = await AuditTestKit.StartAsync(busyTimeoutSeconds: 1, provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        await admin.AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "SECRET", "2nd Bde");

        await using (await host.HoldChainLockAsync())
        {            await Assert.ThrowsAsync<AuditUnavailableException>(() => admin.SetDisabledAsync("kim", true));
        }

        await using var check = host.Services.CreateAsyncScope();
        var user = await check.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync("kim");
        Assert.False(user!.IsDisabled);
        Assert.DoesNotContain(await host.ReadAllAsync(), r => r.Action == AuditActions.UserDisabled);
    }

    [Fact]
    public async Task FailedAction_IsRecordedAsAttemptThenFailure()
    {
        await using var host = await AuditTestKit.StartAsync(provider: provider);

        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Log().RunAuditedAsync(
            AuditTestKit.Event(1), _ => throw new InvalidOperationException("boom")));

        var records = await host.ReadAllAsync();
        Assert.Equal([AuditOutcomes.Success, AuditOutcomes.Failure], records.Select(r => r.Outcome));
        Assert.Contains("boom", records[1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserChanges_AreAuditedWithActorTargetAndBeforeAfter()
    {
        await using var host = await AuditTestKit.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        await admin.AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "SECRET", "2nd Bde");
        await admin.SetRolesAsync("kim", [Roles.Supervisor]);
        await admin.SetClearanceAsync("kim", "TOP SECRET//SI");
        await admin.SetUnitAsync("kim", "3rd Bde");
        await admin.SetDisabledAsync("kim", true);
        await admin.SetDisabledAsync("kim", false);

        var records = await host.ReadAllAsync();
        Assert.Equal(
            [AuditActions.UserCreated, AuditActions.RolesChanged, AuditActions.ClearanceChanged, AuditActions.UnitChanged,
             AuditActions.UserDisabled, AuditActions.UserEnabled],
            records.Select(r => r.Action));
        Assert.All(records, r => Assert.Equal("kim", r.Target));
        Assert.All(records, r => Assert.StartsWith("operator:", r.Actor, StringComparison.Ordinal));
        Assert.Contains("\"from\":\"SECRET\"", records[2].Details, StringComparison.Ordinal);
        Assert.Contains("TOP SECRET//SI", records[2].Details, StringComparison.Ordinal);
        Assert.DoesNotContain("Long-enough", string.Concat(records.Select(r => r.Details)), StringComparison.Ordinal);
    }
}
