using AxWorkbench.Core.Inference;
using Microsoft.Extensions.Logging.Abstractions;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Admission without a model: busy answers, slots filled in fair order, parking background work, cancelled waiters.</summary>
public sealed class RequestSchedulerTests
{
    private readonly FakeSequenceMemory _memory = new();
    private long _ids;

    private Sequence Request(string user, RequestPriority priority = RequestPriority.Interactive) =>
        FakeSequenceMemory.Sequence([1, 2, 3], user, priority, ++_ids);

    private static List<int> Positions(Sequence seq)
    {
        var positions = new List<int>();
        while (seq.Output.Reader.TryRead(out var e))
        {
            if (e is QueuePositionEvent q)
            {
                positions.Add(q.Position);
            }
        }

        return positions;
    }

    [Fact]
    public void FullQueue_AnswersBusy_CountsTheRejection_AndKeepsTheOthers()
    {
        var scheduler = new RequestScheduler(slots: 1, maxQueueLength: 1, NullLogger.Instance);
        var rejections = 0;
        scheduler.Enqueue(Request("a"), () => rejections++);
        scheduler.Enqueue(Request("b"), () => rejections++);
        var ex = Assert.Throws<EngineBusyException>(() => scheduler.Enqueue(Request("c"), () => rejections++));
        Assert.Equal(1, ex.QueueLength);
        Assert.Equal(1, rejections);
        Assert.Equal(1, scheduler.Rejected);
        Assert.Equal(2, scheduler.QueueDepth);
    }

    [Fact]
    public void Admit_FillsFreeSlotsInFairOrder_AndTellsTheRestTheirNewPositions()
    {
        var scheduler = new RequestScheduler(slots: 2, maxQueueLength: 10, NullLogger.Instance);
        var a1 = Request("alice");
        var a2 = Request("alice");
        var b1 = Request("bob");
        foreach (var s in (Sequence[])[a1, a2, b1])
        {
            scheduler.Enqueue(s, () => { });
        }

        Assert.Equal([1], Positions(a1));
        Assert.Equal([2, 3], Positions(a2)); // bob's first request went before alice's second
        Assert.Equal([2], Positions(b1));

        scheduler.Admit(_memory, _ => 0);
        Assert.Same(a1, scheduler.Slots[0]);
        Assert.Same(b1, scheduler.Slots[1]);
        Assert.Equal(2, scheduler.ActiveCount);
        Assert.Equal([1], Positions(a2));

        scheduler.Release(a1);
        a1.SeqId = -1;
        scheduler.Admit(_memory, _ => 0);
        Assert.Same(a2, scheduler.Slots[0]);
        Assert.Equal(1, scheduler.Completed);
        Assert.Equal(0, scheduler.QueueDepth);
    }

    [Theory]
    [InlineData(RequestPriority.Interactive)]
    [InlineData(RequestPriority.Api)]
    public void AHigherPriorityRequest_ParksBackgroundWork_WhenEverySlotIsTaken(RequestPriority priority)
    {
        var scheduler = new RequestScheduler(slots: 1, maxQueueLength: 10, NullLogger.Instance);
        var summary = Request("batch", RequestPriority.Background);
        scheduler.Enqueue(summary, () => { });
        scheduler.Admit(_memory, _ => 0);
        summary.Pos = 3;

        var urgent = Request("analyst", priority);
        scheduler.Enqueue(urgent, () => { });
        scheduler.Admit(_memory, _ => 0);

        Assert.Same(urgent, scheduler.Slots[0]);
        Assert.Equal(["remove 0"], _memory.Operations);
        Assert.True(summary.Preempted);
        Assert.Equal((-1, 0), (summary.SeqId, summary.Pos));
        Assert.Equal(1, scheduler.QueueDepth);
        Assert.Equal(1, Positions(summary).Last());
    }

    [Fact]
    public void Interactive_DoesNotParkApiWork()
    {
        var scheduler = new RequestScheduler(slots: 1, maxQueueLength: 10, NullLogger.Instance);
        var api = Request("client", RequestPriority.Api);
        scheduler.Enqueue(api, () => { });
        scheduler.Admit(_memory, _ => 0);
        scheduler.Enqueue(Request("analyst"), () => { });
        scheduler.Admit(_memory, _ => 0);
        Assert.Same(api, scheduler.Slots[0]);
        Assert.Empty(_memory.Operations);
    }

    [Fact]
    public void ACancelledWaiter_CompletesAsCancelled_AndLeavesTheQueue()
    {
        var scheduler = new RequestScheduler(slots: 1, maxQueueLength: 10, NullLogger.Instance);
        var running = Request("a");
        var waiting = Request("b");
        scheduler.Enqueue(running, () => { });
        scheduler.Admit(_memory, _ => 0);
        scheduler.Enqueue(waiting, () => { });
        waiting.CancelRequested = true;
        scheduler.Admit(_memory, _ => 0);

        Assert.Equal(0, scheduler.QueueDepth);
        var events = new List<GenerationEvent>();
        while (waiting.Output.Reader.TryRead(out var e))
        {
            events.Add(e);
        }

        Assert.Equal(GenerationFinish.Cancelled, Assert.IsType<CompletedEvent>(events[^1]).Finish);
        Assert.True(waiting.Output.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void Admit_UsesThePositionTheStartCallbackReturns_AfterTheSlotIsAssigned()
    {
        var scheduler = new RequestScheduler(slots: 2, maxQueueLength: 10, NullLogger.Instance);
        var seq = Request("a");
        scheduler.Enqueue(seq, () => { });
        var slotSeen = -2;
        scheduler.Admit(_memory, s =>
        {
            slotSeen = s.SeqId;
            return 2;
        });
        Assert.Equal(0, slotSeen);
        Assert.Equal(2, seq.Pos);
    }

    [Fact]
    public void FailWaiting_CompletesEveryWaiterWithTheReason()
    {
        var scheduler = new RequestScheduler(slots: 1, maxQueueLength: 10, NullLogger.Instance);
        var a = Request("a");
        var b = Request("b");
        scheduler.Enqueue(a, () => { });
        scheduler.Enqueue(b, () => { });
        var reason = new GenerationFailedException("switched");
        scheduler.FailWaiting(reason, dispose: true);
        Assert.Equal(0, scheduler.QueueDepth);
        Assert.True(scheduler.IsIdle);
        Positions(b); // read what was queued; then the stream's completion carries the reason
        Assert.Same(reason, b.Output.Reader.Completion.Exception!.InnerException);
    }
}
