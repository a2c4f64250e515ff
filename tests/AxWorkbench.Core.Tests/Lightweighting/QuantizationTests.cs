using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Lightweighting;

[Collection(LabCollection.Name)]
public sealed class QuantizationTests(LabFixture lab, ITestOutputHelper output)
{
    [Fact]
    public void MediumFixture_Q8AndQ4_ShrinkAsExpected_NextToTheSourceWithClearNames()
    {
        var f16 = new FileInfo(lab.F16).Length;
        output.WriteLine($"F16 {f16:N0} B; Q8_0 {lab.Q8.OutputBytes:N0} B ({lab.Q8.SizeRatio:P1}, {lab.Q8.Duration.TotalMilliseconds:N0} ms); Q4_0 {lab.Q4.OutputBytes:N0} B ({lab.Q4.SizeRatio:P1}, {lab.Q4.Duration.TotalMilliseconds:N0} ms)");
        Assert.Equal(Path.Combine(lab.Directory, "ax-fixture-medium.Q8_0.gguf"), lab.Q8.OutputPath);
        Assert.Equal(Path.Combine(lab.Directory, "ax-fixture-medium.Q4_0.gguf"), lab.Q4.OutputPath);
        Assert.Equal(f16, lab.Q8.SourceBytes);
        Assert.Equal(64, lab.Q8.SourceSha256.Length);
        // Q8_0 stores 34 bytes per 32 weights (vs 64 in F16), Q4_0 18 bytes; norms stay F32.
        Assert.InRange(lab.Q8.SizeRatio, 0.45, 0.65);
        Assert.InRange(lab.Q4.SizeRatio, 0.25, 0.45);
        Assert.True(lab.Q4.OutputBytes < lab.Q8.OutputBytes);
        Assert.False(File.Exists(lab.Q8.OutputPath + ".partial"));
        Assert.Equal("MOSTLY_Q8_0", ModelCommands.FileTypeName(GgufValidator.Validate(lab.Q8.OutputPath).Header!.GetInteger("general.file_type")));
    }

    [Theory]
    [InlineData("Q8_0")]
    [InlineData("Q4_0")]
    public async Task QuantizedVariant_LoadsInTheEngine_AndGenerates(string type)
    {
        var path = type == "Q8_0" ? lab.Q8.OutputPath : lab.Q4.OutputPath;
        using var engine = new InferenceEngine(Options.Create(new InferenceOptions { ModelPath = path, ContextSize = 256, MaxParallelSequences = 1, Threads = 2, BatchSize = 64, UBatchSize = 64 }));
        await engine.LoadAsync();
        Assert.True(engine.State == ModelState.Ready, engine.Error);
        Assert.Equal("MOSTLY_" + type, engine.Info!.FileType);
        using var stream = engine.Submit(new GenerationRequest { Prompt = "report on the border", MaxTokens = 8, Seed = 1 });
        var (text, tokens, done) = await Inference.FixtureModelTests.Collect(stream).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(8, tokens);
        Assert.NotEmpty(text);
        Assert.Equal(GenerationFinish.Length, done!.Finish);
    }

    [Fact]
    public void KQuant_OnRowsNotMultipleOf256_IsRefusedUpFront_NamingTheTensor()
    {
        var small = Path.Combine(lab.Directory, "small.gguf");
        FixtureModelWriter.Write(small, "small", 3); // embedding 64: rows of 64 values
        var ex = Assert.Throws<QuantizationRefusedException>(() => QuantizationPlanner.Check(small, QuantizationTarget.Parse("Q4_K_M")));
        Assert.Contains("256", ex.Message);
        Assert.Contains("rows of 64", ex.Message);
        Assert.Contains(".weight", ex.Message);
        QuantizationPlanner.Check(lab.F16, QuantizationTarget.Parse("Q4_K_M")); // the medium fixture's rows (256, 768) fit
    }

    [Fact]
    public async Task Quantize_RefusedPlan_LeavesNoFileBehind()
    {
        var small = Path.Combine(lab.Directory, "small-refused.gguf");
        FixtureModelWriter.Write(small, "small", 4);
        var target = QuantizationTarget.Parse("Q6_K");
        await Assert.ThrowsAsync<QuantizationRefusedException>(() => ModelQuantizer.QuantizeAsync(small, null, target));
        Assert.False(File.Exists(target.DefaultOutputPath(small)));
    }

    [Fact]
    public void AlreadyQuantizedSource_IsRefused_AndUnknownTypeNamesTheChoices()
    {
        var ex = Assert.Throws<QuantizationRefusedException>(() => QuantizationPlanner.Check(lab.Q8.OutputPath, QuantizationTarget.Parse("Q4_0")));
        Assert.Contains("already quantized", ex.Message);
        var unknown = Assert.Throws<QuantizationRefusedException>(() => QuantizationTarget.Parse("Q3_X"));
        Assert.Contains("Q4_K_M", unknown.Message);
    }

    [Fact]
    public async Task Quantize_CancelledBeforeNativeWork_KeepsNothing()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var dst = Path.Combine(lab.Directory, "cancelled.Q8_0.gguf");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ModelQuantizer.QuantizeAsync(lab.F16, dst, QuantizationTarget.Parse("Q8_0"), cancellationToken: cts.Token));
        Assert.False(File.Exists(dst));
        Assert.False(File.Exists(dst + ".partial"));
    }
}
