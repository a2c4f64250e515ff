using AxWorkbench.Core.Inference;
using LLama.Native;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The continuous-batching loop: concurrency, cancellation, busy, priorities, fairness. Engine: 4 slots, queue of 3.</summary>
[Collection(ModelCollection.Name)]
public sealed class SchedulerTests(ModelFixture fixture)
{
    private InferenceEngine Engine => fixture.Engine;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static GenerationRequest Request(int maxTokens, string user = "u1", RequestPriority priority = RequestPriority.Interactive, int seed = 1) =>
        new() { Prompt = "report on the border activity", MaxTokens = maxTokens, UserId = user, Priority = priority, Seed = seed };

    private static Task<(string Text, int Tokens, CompletedEvent? Done)> Run(GenerationStream s) => FixtureModelTests.Collect(s);

    private async Task WaitUntil(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            cts.Token.ThrowIfCancellationRequested();
            await Task.Delay(2, cts.Token).ConfigureAwait(false); // polling a condition, not a fixed sleep
        }

        _ = what;
    }

    /// <summary>Holds the loop: no decode step runs until permits are granted; disposing lets it run freely again.</summary>
    private sealed class StepHold : IDisposable
    {
        private readonly HeldStepGate _gate;
        private readonly SemaphoreSlim _permits = new(0, int.MaxValue);

        public StepHold(HeldStepGate gate)
        {
            _gate = gate;
            gate.Hold(_permits);
        }

        public void Grant(int steps) => _permits.Release(steps);

        public void Dispose()
        {
            _gate.Open();
            _permits.Release(1000);
        }
    }

    private async Task WaitIdle() => await WaitUntil(() => Engine.Metrics is { ActiveSequences: 0, QueueDepth: 0 }, "idle");

    [Fact]
    public async Task FourConcurrentRequests_AllCompleteWithTheRightNumberOfTokens()
    {
        await WaitIdle();
        int[] lengths = [5, 9, 13, 17];
        var streams = lengths.Select((n, i) => Engine.Submit(Request(n, "user" + i, seed: i))).ToList();
        var results = await Task.WhenAll(streams.Select(Run)).WaitAsync(Timeout);
        for (var i = 0; i < lengths.Length; i++)
        {
            Assert.Equal(lengths[i], results[i].Tokens);
            Assert.Equal(lengths[i], results[i].Done!.CompletionTokens);
            Assert.Equal(GenerationFinish.Length, results[i].Done!.Finish);
        }
    }

    [Fact]
    public async Task CancellingOneMidStream_FreesItsSlotWithinOneStep_OthersContinue()
    {
        await WaitIdle();
        List<GenerationStream> streams;
        var victimTokens = 0;
        long stepAtCancel;
        using (var hold = new StepHold(fixture.Gate))
        {
            streams = [.. Enumerable.Range(0, 4).Select(i => Engine.Submit(Request(120, "user" + i, seed: i)))];
            await WaitUntil(() => Engine.Metrics.ActiveSequences == 4, "4 active");
            var start = Engine.Steps;
            hold.Grant(3); // prefill + 2 more steps: 3 tokens each
            await WaitUntil(() => Engine.Steps == start + 3 && streams.All(s => s.GeneratedTokens == 3), "3 tokens each");
            stepAtCancel = Engine.Steps;
            streams[0].Cancel();
            await WaitUntil(() => streams[0].ReleasedAtStep is not null, "victim released");
        }

        var victim = await Run(streams[0]).WaitAsync(Timeout);
        Assert.Equal(GenerationFinish.Cancelled, victim.Done!.Finish);
        victimTokens = victim.Tokens;
        Assert.Equal(3, victimTokens);

        Assert.NotNull(streams[0].ReleasedAtStep);
        Assert.Equal(stepAtCancel, streams[0].ReleasedAtStep!.Value); // freed before the next decode
        Assert.True(Engine.Metrics.ActiveSequences <= 3);
        var others = await Task.WhenAll(streams.Skip(1).Select(Run)).WaitAsync(Timeout);
        Assert.All(others, r => Assert.Equal(120, r.Tokens));
    }

    /// <summary>
    /// A native failure in one decode step (llama.cpp's error code, or an exception surfacing from the native side):
    /// the requests in that batch fail with a message that says so, a request waiting for a slot is then admitted and
    /// streams to its end, and the loop keeps serving new requests.
    /// </summary>
    [Theory]
    [InlineData("error code")]
    [InlineData("exception")]
    public async Task FailingDecode_FailsTheBatchClearly_TheWaitingRequestAndNewOnesStillComplete(string how)
    {
        await WaitIdle();
        List<GenerationStream> running;
        GenerationStream waiting;
        using (var hold = new StepHold(fixture.Gate))
        {
            running = [.. Enumerable.Range(0, 4).Select(i => Engine.Submit(Request(120, "user" + i, seed: i)))];
            await WaitUntil(() => Engine.Metrics.ActiveSequences == 4, "4 active");
            waiting = Engine.Submit(Request(11, "user-waiting", seed: 9));
            await WaitUntil(() => Engine.Metrics.QueueDepth == 1, "1 waiting");
            var start = Engine.Steps;
            hold.Grant(2);
            await WaitUntil(() => Engine.Steps >= start + 2 && running.All(s => s.GeneratedTokens == 2), "2 tokens each");
            if (how == "error code")
            {
                fixture.Gate.FailNextDecode((DecodeResult)(-1));
            }
            else
            {
                fixture.Gate.ThrowOnNextDecode(new InvalidOperationException("simulated native failure"));
            }
        }

        foreach (var stream in running)
        {
            var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Run(stream).WaitAsync(Timeout));
            Assert.Contains(how == "error code" ? "llama.cpp decode failed" : "simulated native failure", failure.Message, StringComparison.Ordinal);
        }
        var admittedAfter = await Run(waiting).WaitAsync(Timeout);
        Assert.Equal(11, admittedAfter.Tokens);
        Assert.Equal(GenerationFinish.Length, admittedAfter.Done!.Finish);
        var fresh = await Run(Engine.Submit(Request(7, "user-fresh"))).WaitAsync(Timeout);
        Assert.Equal(7, fresh.Tokens);
        await WaitIdle();
    }

    [Fact]
    public async Task CancellationToken_StopsAWaitingRequestBeforeItStarts()
    {
        await WaitIdle();
        var hold = new StepHold(fixture.Gate);
        var running = Enumerable.Range(0, 4).Select(i => Engine.Submit(Request(60, "r" + i))).ToList();
        using var cts = new CancellationTokenSource();
        var waiting = Engine.Submit(Request(60, "w"), cts.Token);
        await WaitUntil(() => Engine.Metrics is { ActiveSequences: 4, QueueDepth: 1 }, "one waiting");
        await cts.CancelAsync();
        await WaitUntil(() => Engine.Metrics.QueueDepth == 0, "waiter dropped");
        hold.Dispose();
        var result = await Run(waiting).WaitAsync(Timeout);
        Assert.Equal(GenerationFinish.Cancelled, result.Done!.Finish);
        Assert.Equal(0, result.Tokens);
        await Task.WhenAll(running.Select(Run)).WaitAsync(Timeout);
    }

    [Fact]
    public async Task FullQueue_AnswersBusy_AndWaitersSeeTheirQueuePosition()
    {
        await WaitIdle();
        var rejectedBefore = Engine.Metrics.RejectedBusy;
        using var hold = new StepHold(fixture.Gate);
        var streams = Enumerable.Range(0, 7).Select(i => Engine.Submit(Request(200, "fq", seed: i))).ToList(); // 4 slots + 3 waiting
        var busy = Assert.Throws<EngineBusyException>(() => Engine.Submit(Request(5, "late")));
        Assert.Equal(3, busy.QueueLength);
        Assert.Equal(rejectedBefore + 1, Engine.Metrics.RejectedBusy);

        // Once the slots are taken, the last waiter has been told it is third in line, and nothing else yet.
        await WaitUntil(() => Engine.Metrics.ActiveSequences == 4, "4 active");
        var events = new List<GenerationEvent>();
        while (streams[6].Events.TryRead(out var e))
        {
            events.Add(e);
        }

        Assert.All(events, e => Assert.IsType<QueuePositionEvent>(e));
        Assert.Equal(new QueuePositionEvent(3), events[^1]);

        foreach (var s in streams)
        {
            s.Cancel();
        }

        hold.Dispose();
        await Task.WhenAll(streams.Select(Run)).WaitAsync(Timeout);
    }

    [Fact]
    public async Task WaitingUsers_AreAdmittedRoundRobin()
    {
        await WaitIdle();
        using var hold = new StepHold(fixture.Gate);
        var running = Enumerable.Range(0, 4).Select(i => Engine.Submit(Request(100, "busy" + i))).ToList();
        await WaitUntil(() => Engine.Metrics.ActiveSequences == 4, "4 active");
        var positions = new Dictionary<string, int>();
        GenerationStream Wait(string name, string user) => Engine.Submit(Request(3, user) with { OnQueuePosition = p => { lock (positions) { positions[name] = p; } } });
        var a1 = Wait("a1", "alice");
        var a2 = Wait("a2", "alice");
        var b1 = Wait("b1", "bob");
        lock (positions)
        {
            Assert.Equal(1, positions["a1"]);
            Assert.Equal(2, positions["b1"]); // bob's first request goes before alice's second
            Assert.Equal(3, positions["a2"]);
        }

        foreach (var s in running)
        {
            s.Cancel();
        }

        hold.Dispose();
        await Task.WhenAll(new[] { a1, a2, b1 }.Concat(running).Select(Run)).WaitAsync(Timeout);
    }

    [Fact]
    public async Task InteractiveRequest_OvertakesRunningBackgroundWork()
    {
        await WaitIdle();
        var background = Enumerable.Range(0, 4).Select(i => Engine.Submit(Request(300, "batch", RequestPriority.Background, i))).ToList();
        await WaitUntil(() => Engine.Metrics.ActiveSequences == 4 && background.All(b => b.TimeToFirstTokenMs is not null), "background running");

        var chat = await Run(Engine.Submit(Request(8, "analyst"))).WaitAsync(Timeout);
        Assert.Equal(8, chat.Tokens);
        Assert.DoesNotContain(background, b => b.Events.Completion.IsCompleted);

        // The parked background request resumes and still delivers all its tokens.
        var results = await Task.WhenAll(background.Select(Run)).WaitAsync(Timeout);
        Assert.All(results, r => Assert.Equal(300, r.Tokens));
    }

    [Fact]
    public async Task StopSequence_EndsTheAnswerBeforeIt()
    {
        await WaitIdle();
        var full = await Run(Engine.Submit(Request(30, seed: 77)));
        var words = full.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var stop = " " + words[5];
        var cut = full.Text.IndexOf(stop, StringComparison.Ordinal);
        var stopped = await Run(Engine.Submit(Request(30, seed: 77) with { StopSequences = [stop] }));
        Assert.Equal(GenerationFinish.StopSequence, stopped.Done!.Finish);
        Assert.Equal(full.Text[..cut], stopped.Text);
    }

    [Fact]
    public async Task Metrics_ReportTokensAndTimeToFirstToken()
    {
        await WaitIdle();
        var before = Engine.Metrics;
        var stream = Engine.Submit(Request(6));
        await Run(stream).WaitAsync(Timeout);
        var after = Engine.Metrics;
        Assert.Equal(before.TotalTokens + 6, after.TotalTokens);
        Assert.True(after.Steps >= before.Steps + 6);
        Assert.True(stream.TimeToFirstTokenMs > 0);
        Assert.True(after.TtftP95Ms >= after.TtftP50Ms && after.TtftP50Ms > 0);
        Assert.True(after.TokensPerSecond > 0);
    }
}
