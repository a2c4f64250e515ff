using System.Globalization;
using AxWorkbench.Core.Lightweighting;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Lightweighting;

[Collection(LabCollection.Name)]
public sealed class EvaluationTests(LabFixture lab, ITestOutputHelper output)
{
    private static Task<EvaluationReport> Evaluate(string basePath, string variant) =>
        ModelEvaluator.EvaluateAsync(basePath, variant, LabFixture.KoreanText, LabFixture.Settings);

    [Fact]
    public async Task Q8_HasSmallerKlThanQ4_BothAboveZero_OnKoreanText()
    {
        var q8 = await Evaluate(lab.F16, lab.Q8.OutputPath);
        var q4 = await Evaluate(lab.F16, lab.Q4.OutputPath);
        output.WriteLine("| variant | file bytes | memory bytes | decode tok/s | PPL | PPL ratio | KL mean | KL p99 | top-1 |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|");
        output.WriteLine(Row("F16 (source)", q8.Base, 1, 0, 0, 1));
        output.WriteLine(Row("Q8_0", q8.Variant, q8.PerplexityRatio, q8.MeanKl, q8.P99Kl, q8.Top1Agreement));
        output.WriteLine(Row("Q4_0", q4.Variant, q4.PerplexityRatio, q4.MeanKl, q4.P99Kl, q4.Top1Agreement));
        output.WriteLine($"windows {q8.Windows} x {q8.WindowTokens}, text {q8.TextTokens} tokens, {q8.ScoredTokens} scored");

        Assert.Equal(4, q8.Windows);
        Assert.Equal(4 * (128 - 1 - 64), q8.ScoredTokens);
        Assert.True(q8.MeanKl > 0, "Q8_0 differs from F16, so its KL must be above zero");
        Assert.True(q4.MeanKl > 0);
        Assert.True(q8.MeanKl < q4.MeanKl, $"Q8_0 KL {q8.MeanKl} should be below Q4_0 KL {q4.MeanKl}");
        Assert.True(q8.P99Kl >= q8.MeanKl);
        Assert.True(q8.Top1Agreement >= q4.Top1Agreement);
        Assert.True(q8.Variant.MemoryBytes < q8.Base.MemoryBytes);
        Assert.True(q8.Base.DecodeTokensPerSecond > 0 && q8.Variant.DecodeTokensPerSecond > 0);
        Assert.Equal(q8.Base.Perplexity, q4.Base.Perplexity); // same windows, same source: same figure
    }

    private static string Row(string name, ModelFigures f, double ratio, double kl, double p99, double top1) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {f.FileBytes:N0} | {f.MemoryBytes:N0} | {f.DecodeTokensPerSecond:N0} | {f.Perplexity:F3} | {ratio:F5} | {kl:G4} | {p99:G4} | {top1:P1} |");

    [Fact]
    public async Task SameInputs_GiveIdenticalQualityFigures()
    {
        var first = await Evaluate(lab.F16, lab.Q4.OutputPath);
        var second = await Evaluate(lab.F16, lab.Q4.OutputPath);
        Assert.Equal(first.Base.Perplexity, second.Base.Perplexity);
        Assert.Equal(first.Variant.Perplexity, second.Variant.Perplexity);
        Assert.Equal(first.MeanKl, second.MeanKl);
        Assert.Equal(first.P99Kl, second.P99Kl);
        Assert.Equal(first.Top1Agreement, second.Top1Agreement);
        Assert.Equal(first.TextSha256, second.TextSha256);
        Assert.Equal(first.ScoredTokens, second.ScoredTokens);
    }

    [Fact]
    public async Task ModelAgainstItself_HasKlZero_AndAgreementOne()
    {
        var self = await Evaluate(lab.F16, lab.F16);
        Assert.Equal(0, self.MeanKl);
        Assert.Equal(0, self.P99Kl);
        Assert.Equal(1, self.Top1Agreement);
        Assert.Equal(self.Base.Perplexity, self.Variant.Perplexity);
        Assert.Equal(1, self.PerplexityRatio);
        Assert.True(self.Base.Perplexity > 1);
    }

    [Fact]
    public async Task TextShorterThanOneWindow_IsRefusedWithTheTokenCount()
    {
        var ex = await Assert.ThrowsAsync<EvaluationRefusedException>(() =>
            ModelEvaluator.EvaluateAsync(lab.F16, lab.Q8.OutputPath, "짧은 글", LabFixture.Settings));
        Assert.Contains("one window needs 128", ex.Message);
    }

    [Fact]
    public void LogSoftmaxAndKl_MatchHandComputedValues()
    {
        float[] p = new float[3], q = new float[3];
        ModelEvaluator.LogSoftmax([0f, 0f, 0f], p);
        ModelEvaluator.LogSoftmax([MathF.Log(2), 0f, 0f], q);
        Assert.Equal(Math.Log(1 / 3.0), p[0], 5);
        // KL(uniform || (1/2,1/4,1/4)) = 1/3 ln(2/3) + 2/3 ln(4/3)
        Assert.Equal((Math.Log(2 / 3.0) / 3) + (2 * Math.Log(4 / 3.0) / 3), ModelEvaluator.KlDivergence(p, q), 5);
        Assert.Equal(0, ModelEvaluator.KlDivergence(p, p));
        Assert.Equal(0, ModelEvaluator.ArgMax(q));
    }
}
