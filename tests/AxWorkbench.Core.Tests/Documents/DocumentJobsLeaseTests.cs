using System.Collections.Concurrent;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// Two job hosts (nodes) on one database: each job is claimed once, a node that stops heartbeating (killed: disposed
/// without releasing, its model call frozen) has its summary finished by the other after the lease, from the saved chunk
/// summaries, and a cancel asked on one node stops the summary running on the other.
/// </summary>
public abstract partial class DocumentJobsTests
{
    private static Dictionary<string, string?> NodeSettings(string node, string leaseSeconds) => new(SmallContext)
    {
        ["Data:NodeId"] = node,
        ["Jobs:LeaseSeconds"] = leaseSeconds,
        ["Jobs:HeartbeatSeconds"] = "0.25",
        ["Jobs:PollSeconds"] = "0.2",
    };

    private Task<DocumentsTestHost> StartNodeAsync(string node, ScriptedChatClient chat, string? directory, bool start, string leaseSeconds = "1.5") =>
        DocumentsTestHost.StartAsync(NodeSettings(node, leaseSeconds), builder =>
        {
            builder.Services.AddSingleton<IChatClient>(chat);
            builder.Services.AddSingleton<IModelStatus>(new NoModel());
            builder.Services.AddSingleton<ITokenCounter>(new NoModel());
            builder.AddDocumentJobs();
        }, start, directory, provider);

    [Fact]
    public async Task TwoNodes_ClaimEveryQueuedJobExactlyOnce()
    {
        // Claimed here without a runner, so nothing heartbeats: the lease must outlast the 40 claims even on a loaded
        // machine (at 1.5 s, a load average of 35 let early leases expire and their jobs be claimed again, rightly).
        await using var nodeA = await StartNodeAsync("node-a", new ScriptedChatClient(), null, start: false, leaseSeconds: "120");
        await using var nodeB = await StartNodeAsync("node-b", new ScriptedChatClient(), nodeA.Directory, start: false, leaseSeconds: "120");
        var queueA = nodeA.Services.GetRequiredService<JobQueue>();
        var queueB = nodeB.Services.GetRequiredService<JobQueue>();
        var subjects = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();
        foreach (var subject in subjects)
        {
            Assert.True(await queueA.EnqueueAsync(JobKinds.Summary, subject, "kim", "kim", default));
        }
        Assert.False(await queueB.EnqueueAsync(JobKinds.Summary, subjects[0], "kim", "kim", default)); // one unfinished job per subject

        var claims = new ConcurrentQueue<(string Node, ClaimedJob Job)>();
        async Task ClaimAllAsync(JobQueue queue)
        {
            while (await queue.ClaimAsync(JobKinds.Summary, default) is { } job)
            {
                claims.Enqueue((queue.NodeId, job));
            }
        }
        await Task.WhenAll(ClaimAllAsync(queueA), ClaimAllAsync(queueB), ClaimAllAsync(queueA), ClaimAllAsync(queueB));

        Assert.Equal(40, claims.Count);
        Assert.Equal(subjects.Order(), claims.Select(c => c.Job.SubjectId).Order());
        await using var db = await nodeA.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var rows = await db.Set<BackgroundJobRecord>().AsNoTracking().ToListAsync();
        Assert.All(rows, r =>
        {
            Assert.Equal(1, r.Attempts);
            Assert.Equal(BackgroundJobStatus.Running, r.Status);
            Assert.Equal(claims.Single(c => c.Job.Id == r.Id).Node, r.OwnerNode);
        });
        Assert.Null(await queueB.ClaimAsync(JobKinds.Summary, default)); // all held under their leases
    }

    [Fact]
    public async Task KilledNode_ItsSummaryIsFinishedByTheOtherNode_AfterTheLease_FromTheSavedChunks()
    {
        var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // never completed: node A hangs like a killed process
        var chatA = new ScriptedChatClient { BeforeAnswer = (call, _) => call <= 2 ? Task.CompletedTask : frozen.Task };
        var nodeA = await StartNodeAsync("node-a", chatA, null, start: true);
        try
        {
            var document = await SeedAsync(nodeA, 12, Marking.Unclassified);
            var id = await Jobs(nodeA).StartSummaryAsync(document, SummaryMode.Executive, SecretAnalyst, "kim", Kim);
            await WaitUntilAsync(() => Jobs(nodeA).Progress(id)?.Done == 2 && chatA.Calls == 3);
            await nodeA.DisposeHostAsync(); // killed: no graceful stop, the job is neither released nor finished
            var killedAt = DateTime.UtcNow;

            var chatB = new ScriptedChatClient();
            var nodeB = await StartNodeAsync("node-b", chatB, nodeA.Directory, start: true);
            try
            {
                var done = await WaitForAsync(nodeB, id, s => s.Status == SummaryStatus.Completed);

                Assert.Equal(done.ChunksTotal, done.ChunksDone);
                Assert.Equal(12 - 2, chatB.Prompts.Count(p => p.Contains("Summarize only", StringComparison.Ordinal))); // node A's two chunk summaries reused
                await using var db = await nodeB.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
                // The job row is closed just after the summary's final status is written.
                await WaitUntilAsync(async () => await db.Set<BackgroundJobRecord>().AsNoTracking().AnyAsync(j => j.SubjectId == id && j.FinishedAt != null));
                var job = await db.Set<BackgroundJobRecord>().AsNoTracking().SingleAsync(j => j.SubjectId == id);
                Assert.Equal("node-b", job.OwnerNode);
                Assert.Equal(2, job.Attempts);
                Assert.NotNull(job.FinishedAt);
                Assert.True(job.FinishedAt > killedAt);
            }
            finally
            {
                await nodeB.DisposeHostAsync();
            }
        }
        finally
        {
            await nodeA.DisposeAsync();
        }
    }

    [Fact]
    public async Task CancelAskedOnTheOtherNode_StopsTheSummaryWithinAHeartbeat_AndSavesItCancelled()
    {
        var gate = new SemaphoreSlim(0);
        var chatA = new ScriptedChatClient { BeforeAnswer = (_, ct) => gate.WaitAsync(ct) };
        await using var nodeA = await StartNodeAsync("node-a", chatA, null, start: true);
        var nodeB = await StartNodeAsync("node-b", new ScriptedChatClient(), nodeA.Directory, start: false);
        try
        {
            var document = await SeedAsync(nodeA, 12, Marking.Unclassified);
            var id = await Jobs(nodeA).StartSummaryAsync(document, SummaryMode.KeyPoints, SecretAnalyst, "kim", Kim);
            gate.Release(2);
            await WaitUntilAsync(() => Jobs(nodeA).Progress(id)?.Done == 2);

            Assert.True(await Jobs(nodeB).CancelAsync(id, "lee"));
            var cancelled = await WaitForAsync(nodeA, id, s => s.Status == SummaryStatus.Cancelled);

            Assert.Equal("Cancelled by lee.", cancelled.Error);
            Assert.Equal(2, cancelled.ChunksDone);
            Assert.Equal(3, chatA.Calls); // the waiting third call was cancelled; no fourth
            await using var db = await nodeA.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
            await WaitUntilAsync(async () => await db.Set<BackgroundJobRecord>().AsNoTracking().AnyAsync(j => j.SubjectId == id && j.FinishedAt != null));
            Assert.False(await Jobs(nodeB).CancelAsync(id, "lee")); // nothing left to cancel
        }
        finally
        {
            await nodeB.DisposeHostAsync();
        }
    }
}
