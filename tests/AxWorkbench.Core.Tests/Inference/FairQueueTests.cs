using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The engine's waiting line on its own: priority, round-robin between users, bounds, parked work, positions.</summary>
public sealed class FairQueueTests
{
    private sealed class Entry(string name, string user, RequestPriority priority = RequestPriority.Interactive) : IQueueEntry
    {
        public string Name { get; } = name;
        public string UserId { get; } = user;
        public RequestPriority Priority { get; } = priority;
        public long Arrival { get; set; }
        public bool Preempted { get; set; }
        public int LastPosition { get; set; }

        public override string ToString() => Name;
    }

    private static FairQueue<Entry> Queue(params Entry[] entries)
    {
        var queue = new FairQueue<Entry>(maxLength: 100);
        foreach (var e in entries)
        {
            Assert.True(queue.TryEnqueue(e, freeSlots: 0, out _));
        }

        return queue;
    }

    private static string Order(FairQueue<Entry> queue) => string.Join(" ", queue.AdmissionOrder().Select(e => e.Name));

    [Fact]
    public void Priorities_InteractiveBeforeApiBeforeBackground_WhateverTheArrival()
    {
        var queue = Queue(new("bg", "u1", RequestPriority.Background), new("api", "u2", RequestPriority.Api), new("chat", "u3"));
        Assert.Equal("chat api bg", Order(queue));
    }

    [Fact]
    public void WithinAPriority_UsersTakeTurns_EachUsersRequestsInArrivalOrder()
    {
        var queue = Queue(new("a1", "alice"), new("a2", "alice"), new("a3", "alice"), new("b1", "bob"), new("c1", "carol"), new("b2", "bob"));
        Assert.Equal("a1 b1 c1 a2 b2 a3", Order(queue));
    }

    [Fact]
    public void TheUserServedLeastRecently_GoesFirst()
    {
        var a1 = new Entry("a1", "alice");
        var queue = Queue(a1, new("a2", "alice"), new("b1", "bob"));
        queue.Admit(a1); // alice was just served
        Assert.Equal("b1 a2", Order(queue));
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public void FullQueue_Refuses_RequestsThatFreeSlotsWillAbsorbDoNotCount()
    {
        var queue = new FairQueue<Entry>(maxLength: 2);
        Assert.True(queue.TryEnqueue(new("1", "u"), freeSlots: 1, out _));
        Assert.True(queue.TryEnqueue(new("2", "u"), freeSlots: 1, out _));
        Assert.True(queue.TryEnqueue(new("3", "u"), freeSlots: 1, out _));
        Assert.False(queue.TryEnqueue(new("4", "u"), freeSlots: 1, out var waiting));
        Assert.Equal(2, waiting);
        Assert.Equal(3, queue.Count);
        Assert.True(queue.TryEnqueue(new("4", "u"), freeSlots: 2, out _));
    }

    [Fact]
    public void ParkedEntry_GoesBeforeItsUsersOtherRequests_AndKeepsItsArrival()
    {
        var first = new Entry("first", "batch", RequestPriority.Background);
        var queue = Queue(first, new("second", "batch", RequestPriority.Background));
        var arrival = first.Arrival;
        queue.Admit(first);
        first.Preempted = true;
        first.LastPosition = 5;
        queue.Requeue(first);
        Assert.Equal("first second", Order(queue));
        Assert.Equal(arrival, first.Arrival);
        Assert.Equal(0, first.LastPosition);
    }

    [Fact]
    public void Positions_ArePublishedOnlyWhenTheyChange()
    {
        var a1 = new Entry("a1", "alice");
        var queue = Queue(a1, new("a2", "alice"));
        Assert.Equal(["a1@1", "a2@2"], queue.TakeChangedPositions().Select(c => $"{c.Entry}@{c.Position}"));
        Assert.Empty(queue.TakeChangedPositions());

        Assert.True(queue.TryEnqueue(new("b1", "bob"), 0, out _)); // bob goes before alice's second request
        Assert.Equal(["b1@2", "a2@3"], queue.TakeChangedPositions().Select(c => $"{c.Entry}@{c.Position}"));

        queue.Admit(a1);
        Assert.Equal(["b1@1", "a2@2"], queue.TakeChangedPositions().Select(c => $"{c.Entry}@{c.Position}"));
    }

    [Fact]
    public void TakeAll_EmptiesTheLine()
    {
        var queue = Queue(new("a1", "alice"), new("b1", "bob"));
        Assert.Equal(2, queue.TakeAll().Count);
        Assert.Equal(0, queue.Count);
        Assert.Empty(queue.AdmissionOrder());
    }
}
