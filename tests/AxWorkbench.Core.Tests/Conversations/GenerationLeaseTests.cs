using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Tests.Conversations;

public sealed class SqliteGenerationLeaseTests() : GenerationLeaseTests(DbProvider.Sqlite);

public sealed class PostgresGenerationLeaseTests() : GenerationLeaseTests(DbProvider.Postgres);

/// <summary>
/// Two nodes on one database: an answer carries its node and a lease that the node's heartbeats keep alive; when the
/// node dies (no more heartbeats) the other node's sweeper marks the answer interrupted once the lease expired.
/// </summary>
public abstract class GenerationLeaseTests(DbProvider provider)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(4); // long enough for heartbeats on a machine loaded far beyond its cores

    private static Dictionary<string, string?> Node(string id) => new()
    {
        ["Data:NodeId"] = id,
        ["Conversations:GenerationLeaseSeconds"] = "4",
        ["Conversations:GenerationHeartbeatSeconds"] = "0.5",
        ["Conversations:FlushIntervalMs"] = "100",
    };

    [Fact]
    public async Task LiveAnswerOnNodeA_KeepsItsLease_WhileNodeBSweeps_AndEndsComplete()
    {
        var modelA = new ScriptedChatClient();
        await using var nodeA = await ConversationTestHost.StartAsync(modelA, Node("node-a"), provider: provider);
        await using var nodeB = await ConversationTestHost.StartAsync(new ScriptedChatClient(), Node("node-b"), nodeA.Directory, startHostedServices: true, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await nodeA.Service.CreateSessionAsync(actor, null, null, default);

        var turn = await nodeA.Turns.SendAsync(actor, session.Id, "question", null, null, default);
        var pieces = await modelA.NextCallAsync();
        await pieces.WriteAsync("first ");
        var started = await nodeA.MessageAsync(turn.AnswerId);
        Assert.Equal("node-a", started.GeneratingNode);
        Assert.NotNull(started.LeaseExpiresAt);

        // Three leases long, node B sweeps every 0.5 s; node A's heartbeats keep the answer its own.
        var until = DateTime.UtcNow + 3 * Lease;
        while (DateTime.UtcNow < until)
        {
            Assert.Equal(MessageStatus.Generating, (await nodeB.MessageAsync(turn.AnswerId)).Status);
            await Task.Delay(100);
        }
        Assert.True((await nodeA.MessageAsync(turn.AnswerId)).LeaseExpiresAt > started.LeaseExpiresAt, "the heartbeat extended the lease");

        await pieces.WriteAsync("second");
        pieces.Complete();
        var done = await nodeA.FinishedAsync(turn.AnswerId);
        Assert.Equal(MessageStatus.Complete, done.Status);
        Assert.Equal("first second", done.Content);
        Assert.Null(done.LeaseExpiresAt);
    }

    [Fact]
    public async Task AnswerOfADeadNode_IsMarkedInterruptedByTheOtherNode_OnlyAfterItsLeaseExpired_KeepingItsText()
    {
        await using var nodeB = await ConversationTestHost.StartAsync(new ScriptedChatClient(), Node("node-b"), startHostedServices: true, provider: provider);
        var actor = ConversationTestHost.Analyst();
        var session = await nodeB.Service.CreateSessionAsync(actor, null, null, default);
        var answerId = Guid.CreateVersion7();
        var leaseEnd = DateTime.UtcNow + Lease;
        // What node A leaves when it is killed mid-answer: its last flush and heartbeat, then nothing.
        await nodeB.DbAsync(async db =>
        {
            var user = new ChatMessageRecord { Id = Guid.CreateVersion7(), SessionId = session.Id, Sequence = 1, Role = MessageRole.User, Content = "q", Status = MessageStatus.Complete, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.Messages.Add(user);
            db.Messages.Add(new ChatMessageRecord
            {
                Id = answerId, SessionId = session.Id, ParentId = user.Id, Sequence = 2, Role = MessageRole.Assistant, Content = "saved text",
                Status = MessageStatus.Generating, GeneratingNode = "node-a", LeaseExpiresAt = leaseEnd, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });

        ChatMessageRecord answer;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((answer = await nodeB.MessageAsync(answerId)).Status == MessageStatus.Generating)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
        var sweptAt = DateTime.UtcNow;

        Assert.Equal(MessageStatus.Interrupted, answer.Status);
        Assert.True(answer.CompletedAt >= leaseEnd, $"interrupted at {answer.CompletedAt:O}, before the lease ended at {leaseEnd:O}");
        Assert.True(sweptAt - leaseEnd < TimeSpan.FromSeconds(10), $"swept {(sweptAt - leaseEnd).TotalSeconds:F1} s after the lease ended");
        Assert.Equal("saved text", answer.Content);
        Assert.Contains("stopped", answer.Error, StringComparison.Ordinal);
        Assert.Equal(0, await nodeB.DbAsync(db => db.Messages.CountAsync(m => m.Status == MessageStatus.Generating)));
    }
}
