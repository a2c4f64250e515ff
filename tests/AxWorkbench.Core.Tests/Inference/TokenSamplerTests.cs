using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The engine's managed sampler: the chain LLamaSharp's default pipeline applies natively (bias, top-k 40, top-p, min-p 0.1, temperature, seeded draw).</summary>
public sealed class TokenSamplerTests
{
    private static float[] Logits(int vocabulary, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, vocabulary).Select(_ => (float)(rng.NextDouble() * 10 - 5))];
    }

    [Fact]
    public void TemperatureZero_IsTheArgMax_AfterTheBias()
    {
        var logits = Logits(5000, 1);
        var best = Array.IndexOf(logits, logits.Max());
        Assert.Equal(best, new TokenSampler(0, 0.95f, 1).Sample(logits, []));

        var bias = new float[logits.Length];
        bias[best] = -1000;
        var second = Enumerable.Range(0, logits.Length).Where(i => i != best).MaxBy(i => logits[i]);
        Assert.Equal(second, new TokenSampler(0, 0.95f, 1).Sample(logits, bias));
    }

    [Fact]
    public void Sampling_StaysInTheTop40_NeverPicksABiasedToken_AndIsReproducibleBySeed()
    {
        var logits = Logits(5000, 2);
        var bias = new float[logits.Length];
        var top = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ToArray();
        bias[top[0]] = -1000; // the best one is banned: the rest of the top 41 remain
        var allowed = top.Skip(1).Take(40).ToHashSet();

        var a = new TokenSampler(1.5f, 1f, 42);
        var b = new TokenSampler(1.5f, 1f, 42);
        var drawnA = Enumerable.Range(0, 400).Select(_ => a.Sample(logits, bias)).ToList();
        var drawnB = Enumerable.Range(0, 400).Select(_ => b.Sample(logits, bias)).ToList();

        Assert.Equal(drawnA, drawnB);
        Assert.All(drawnA, t => Assert.Contains(t, allowed));
        Assert.DoesNotContain(top[0], drawnA);
        Assert.True(drawnA.Distinct().Count() > 1, "a temperature above zero draws more than one token");
    }

    [Fact]
    public void MinP_DropsTokensFarBelowTheBest()
    {
        // one clear winner, every other logit 5 below it: p(other)/p(best) = e^-5 < 0.1, so min-p keeps the winner only
        var logits = Enumerable.Repeat(0f, 1000).ToArray();
        logits[123] = 5;
        var sampler = new TokenSampler(1f, 1f, 7);
        Assert.All(Enumerable.Range(0, 200), _ => Assert.Equal(123, sampler.Sample(logits, [])));
    }

    [Fact]
    public void TopP_KeepsOnlyTheNucleus()
    {
        // two tokens hold nearly all the mass; top-p 0.5 keeps the first only
        var logits = Enumerable.Repeat(-20f, 1000).ToArray();
        logits[10] = 3;
        logits[20] = 2.9f;
        var sampler = new TokenSampler(1f, 0.5f, 3);
        Assert.All(Enumerable.Range(0, 200), _ => Assert.Equal(10, sampler.Sample(logits, [])));
    }
}
