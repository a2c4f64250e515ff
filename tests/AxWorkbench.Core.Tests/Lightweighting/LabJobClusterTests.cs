using System.Collections.Concurrent;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;
using AxWorkbench.Core.Tests.Cluster;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Lightweighting;

[Collection(LabCollection.Name)]
public sealed class SqliteLabJobClusterTests(LabFixture lab, ITestOutputHelper output) : LabJobClusterTests(DbProvider.Sqlite, lab, output);

[Collection(LabCollection.Name)]
public sealed class PostgresLabJobClusterTests(LabFixture lab, ITestOutputHelper output) : LabJobClusterTests(DbProvider.Postgres, lab, output);

/// <summary>
/// Lab jobs (quantize, evaluate) on two nodes over one database, with the real medium fixture GGUF through llama.cpp:
/// a job one node runs is seen with its progress on the other and cancelled from there; a job whose node was killed
/// (frozen before it could record the outcome, then disposed without a graceful stop) is redone and finished by the
/// other node once the lease has expired, and the dead node's half-written file is not kept.
/// </summary>
public abstract class LabJobClusterTests(DbProvider provider, LabFixture lab, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastLeases = new()
    {
        ["Jobs:LeaseSeconds"] = "1.5",
        ["Jobs:HeartbeatSeconds"] = "0.25",
        ["Jobs:PollSeconds"] = "0.2",
    };

    private readonly string _directory = TempDataHost.NewDirectory();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => ClusterNode.DropAsync(provider, _directory);

    /// <summary>A node with the lab (its runner started) and the cluster relay of lab progress; no model is served.</summary>
    private Task<ClusterNode> StartAsync(string node, ILabAuditTrail? audit = null) =>
        ClusterNode.StartAsync(_directory, provider, node, FastLeases, b =>
        {
            if (audit is not null)
            {
                b.Services.AddSingleton(audit);
            }

            b.Services.Configure<InferenceOptions>(o => o.Threads = 2);
            b.Services.AddSingleton<InferenceEngine>();
            b.AddLightweighting();
            b.Services.AddHostedService<LabJobsRelay>();
        });

    private static LightweightingLab Lab(ClusterNode node) => node.Host.Services.GetRequiredService<LightweightingLab>();

    [Fact]
    public async Task EvaluationRunningOnNode1_ShowsItsProgressOnNode2_AndIsCancelledFromNode2()
    {
        await using var node1 = await StartAsync("node-1");
        var text = string.Join("\n", Enumerable.Repeat(LabFixture.KoreanText, 6));
        var job = await Lab(node1).StartEvaluateAsync(lab.F16, lab.Q8.OutputPath, text, "statute", "admin", windows: 400, windowTokens: 64);
        await WaitForAsync(node1, job.Id, j => j.Status == LabJobStatus.Running);

        // Started after node 1 claimed the job, so node 2 cannot be the one running it.
        await using var node2 = await StartAsync("node-2");
        var seen = new ConcurrentQueue<LabJobUpdate>();
        Lab(node2).Changed += seen.Enqueue;
        var running = await WaitForAsync(node2, job.Id, j => j.Status == LabJobStatus.Running && j.Progress > 0);
        Assert.Equal("node-1", running.Node);
        if (provider == DbProvider.Postgres)
        {
            // Relayed live (NOTIFY), not only read from the row node 1 saves at each heartbeat. (SQLite is one node: its
            // events stay in the process of each host, so there node 2 reads the saved progress.)
            using var relayed = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!seen.Any(u => u.Id == job.Id && u.Node == "node-1" && u.Progress > 0))
            {
                await Task.Delay(50, relayed.Token);
            }
        }
        output.WriteLine($"{provider}: node-2 saw node-1's evaluation at {running.Progress:P1}");

        Assert.True(await Lab(node2).CancelAsync(job.Id, "lee", default));
        var cancelled = await WaitForAsync(node2, job.Id, j => j.Status == LabJobStatus.Cancelled);

        Assert.Equal("Cancelled by lee; nothing was kept.", cancelled.Message);
        Assert.Equal("node-1", cancelled.Node);
        Assert.True(cancelled.Progress < 1);
        await using var db = await Db(node2);
        Assert.Empty(await db.Evaluations.ToListAsync());
        var row = await db.Set<BackgroundJobRecord>().AsNoTracking().SingleAsync(j => j.SubjectId == job.Id);
        Assert.NotNull(row.FinishedAt);
        Assert.Equal("node-1", row.OwnerNode);
        Assert.Equal("lee", row.CancelledBy);
        Assert.False(await Lab(node2).CancelAsync(job.Id, "lee", default)); // nothing left to cancel
    }

    [Fact]
    public async Task QuantizationOfAKilledNode_IsRedoneAndFinishedByTheOtherNode_AfterTheLease()
    {
        var output1 = Path.Combine(lab.Directory, $"takeover-{provider}.Q8_0.gguf");
        var frozenAudit = new FrozenAudit();
        var node1 = await StartAsync("node-1", frozenAudit);
        var killed = false;
        try
        {
            var job = await Lab(node1).StartQuantizeAsync(lab.F16, "Q8_0", "admin", output1);
            // Node 1 quantized and froze before recording the outcome (like a process killed at that moment).
            await frozenAudit.Entered.Task.WaitAsync(TimeSpan.FromSeconds(120));
            await node1.KillAsync();
            killed = true;
            var killedAt = DateTime.UtcNow;
            await File.WriteAllBytesAsync(output1 + ".partial", new byte[1234]); // what a node killed mid-quantization leaves

            await using var node2 = await StartAsync("node-2");
            var done = await WaitForAsync(node2, job.Id, j => j.Status is LabJobStatus.Completed or LabJobStatus.Failed or LabJobStatus.Cancelled);

            Assert.True(done.Status == LabJobStatus.Completed, done.Message);
            Assert.Equal("node-2", done.Node);
            Assert.Contains(Path.GetFileName(output1), done.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(output1 + ".partial"));
            Assert.Equal("MOSTLY_Q8_0", ModelCommands.FileTypeName(GgufValidator.Validate(output1).Header!.GetInteger("general.file_type")));
            await using var db = await Db(node2);
            var recorded = await db.Quantizations.AsNoTracking().SingleAsync(q => q.OutputPath == output1);
            Assert.Equal("Q8_0", recorded.TargetType);
            var row = await db.Set<BackgroundJobRecord>().AsNoTracking().SingleAsync(j => j.SubjectId == job.Id);
            Assert.Equal("node-2", row.OwnerNode);
            Assert.Equal(2, row.Attempts);
            Assert.True(row.FinishedAt > killedAt.AddSeconds(1)); // not before node 1's lease (1.5 s) had lapsed
            var labRow = await db.Set<LabJobRecord>().AsNoTracking().SingleAsync(j => j.Id == job.Id);
            Assert.Equal(recorded.Id, labRow.ResultId);
            var rows = await Lab(node2).CompareAsync(lab.F16, default);
            Assert.Contains(rows, r => r.Path == output1);
        }
        finally
        {
            if (!killed)
            {
                await node1.KillAsync();
            }

            File.Delete(output1);
        }
    }

    private static async Task<WorkbenchDbContext> Db(ClusterNode node) =>
        await node.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();

    private static async Task<LabJob> WaitForAsync(ClusterNode node, Guid id, Func<LabJob, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var job = (await Lab(node).ListJobsAsync(timeout.Token)).SingleOrDefault(j => j.Id == id);
            if (job is not null && condition(job))
            {
                return job;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>An audit trail that never returns (and ignores cancellation): the node freezes where it would record the outcome.</summary>
    private sealed class FrozenAudit : ILabAuditTrail
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task RecordAsync(string action, string userName, string detail, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            return new TaskCompletionSource().Task;
        }
    }
}
