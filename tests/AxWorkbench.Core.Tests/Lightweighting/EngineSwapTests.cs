using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Tests.Inference;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Lightweighting;

/// <summary>The engine API the lab needs: run exclusive work between steps, and switch weights while serving.</summary>
[Collection(LabCollection.Name)]
public sealed class EngineSwapTests(LabFixture lab)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<InferenceEngine> StartAsync(string path, HeldStepGate? gate = null)
    {
        var engine = new InferenceEngine(Options.Create(new InferenceOptions
        {
            ModelPath = path, ContextSize = 512, MaxParallelSequences = 4, MaxQueueLength = 8, Threads = 2, BatchSize = 128, UBatchSize = 128,
        }), null, gate ?? new HeldStepGate());
        await engine.LoadAsync();
        Assert.True(engine.State == ModelState.Ready, engine.Error);
        return engine;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(2, cts.Token); // polling a condition, not a fixed sleep
        }
    }

    /// <summary>Reads a stream to its end: the completion, or the exception it failed with.</summary>
    private static async Task<(CompletedEvent? Done, Exception? Error, int Tokens)> Drain(GenerationStream stream)
    {
        CompletedEvent? done = null;
        var tokens = 0;
        try
        {
            await foreach (var e in stream.Events.ReadAllAsync())
            {
                if (e is TextEvent t)
                {
                    tokens += t.TokenCount;
                }
                else if (e is CompletedEvent c)
                {
                    done = c;
                }
            }
        }
        catch (Exception ex) when (ex is GenerationFailedException or ModelUnavailableException)
        {
            return (done, ex, tokens);
        }

        return (done, null, tokens);
    }

    [Fact]
    public async Task Promotion_WhileFourStreamsGenerate_TheyFinish_AndNewRequestsUseTheVariant()
    {
        using var engine = await StartAsync(lab.F16);
        var streams = Enumerable.Range(0, 4).Select(i => engine.Submit(new GenerationRequest { Prompt = "border activity report " + i, MaxTokens = 120, Seed = i, UserId = "u" + i })).ToList();
        var readers = streams.Select(Drain).ToList();
        await WaitUntil(() => streams.All(s => s.GeneratedTokens > 0));

        var swap = engine.ReloadAsync(lab.Q8.OutputPath, TimeSpan.FromSeconds(30));
        await WaitUntil(() => engine.State != ModelState.Ready || swap.IsCompleted);
        var refused = Assert.Throws<ModelUnavailableException>(() => engine.Submit(new GenerationRequest { Prompt = "during the switch", MaxTokens = 4 }));
        Assert.Contains("being switched", refused.Message);

        await swap.WaitAsync(Timeout);
        var results = await Task.WhenAll(readers).WaitAsync(Timeout);
        Assert.All(results, r =>
        {
            Assert.Null(r.Error);
            Assert.Equal(120, r.Done!.CompletionTokens); // drained: each finished its whole answer on the old weights
        });

        Assert.Equal(ModelState.Ready, engine.State);
        Assert.Equal(lab.Q8.OutputPath, engine.Info!.Path);
        Assert.Equal("MOSTLY_Q8_0", engine.Info.FileType);
        using var after = engine.Submit(new GenerationRequest { Prompt = "after the switch", MaxTokens = 6, Seed = 3 });
        var next = await Drain(after).WaitAsync(Timeout);
        Assert.Null(next.Error);
        Assert.Equal(6, next.Done!.CompletionTokens);
    }

    [Fact]
    public async Task Promotion_WithNoDrainTime_FailsRunningStreamsWithAClearMessage_NeverHangs()
    {
        var gate = new HeldStepGate();
        using var engine = await StartAsync(lab.F16, gate);
        // Hold the decode loop (through its step gate) from the start and let it run one step at a time until every
        // stream is mid-answer, so none can reach its 480th token before the swap comes due (on a fast machine four
        // free-running streams finish in a few hundred milliseconds).
        using var held = new SemaphoreSlim(0);
        gate.Hold(held);
        var streams = Enumerable.Range(0, 4).Select(i => engine.Submit(new GenerationRequest { Prompt = "long answer " + i, MaxTokens = 480, Seed = i, UserId = "u" + i })).ToList();
        var readers = streams.Select(Drain).ToList();
        while (!streams.All(s => s.GeneratedTokens > 0))
        {
            held.Release();
            await WaitUntil(() => held.CurrentCount == 0);
        }
        Assert.All(streams, s => Assert.InRange(s.GeneratedTokens, 1, 479));

        await engine.ReloadAsync(lab.Q4.OutputPath, TimeSpan.Zero).WaitAsync(Timeout);
        gate.Open();
        var results = await Task.WhenAll(readers).WaitAsync(Timeout);
        Assert.All(results, r =>
        {
            // Each either finished before the swap or was stopped with a message that says why.
            if (r.Error is not null)
            {
                Assert.IsType<GenerationFailedException>(r.Error);
                Assert.Contains("switched the model", r.Error.Message);
            }
            else
            {
                Assert.NotNull(r.Done);
            }
        });
        Assert.All(results, r => Assert.NotNull(r.Error));
        Assert.Equal(lab.Q4.OutputPath, engine.Info!.Path);
        var next = await Drain(engine.Submit(new GenerationRequest { Prompt = "after", MaxTokens = 4, Seed = 1 })).WaitAsync(Timeout);
        Assert.Equal(4, next.Done!.CompletionTokens);
    }

    [Fact]
    public async Task Promotion_ToAnUnusableFile_IsRefused_AndTheOldModelKeepsServing()
    {
        using var engine = await StartAsync(lab.F16);
        var bad = Path.Combine(lab.Directory, "not-a-model.gguf");
        await File.WriteAllTextAsync(bad, "not a gguf");
        await Assert.ThrowsAsync<ModelSwapException>(() => engine.ReloadAsync(bad, TimeSpan.FromSeconds(5)));
        Assert.Equal(ModelState.Ready, engine.State);
        Assert.Equal(lab.F16, engine.Info!.Path);
    }

    [Fact]
    public async Task RunExclusive_RunsOnTheLoopThreadBetweenSteps()
    {
        using var engine = await StartAsync(lab.F16);
        var name = await engine.RunExclusiveAsync(() => Thread.CurrentThread.Name).WaitAsync(Timeout);
        Assert.Equal("ax-inference-loop", name);
    }
}
