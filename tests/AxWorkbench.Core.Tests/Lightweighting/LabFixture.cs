using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;

namespace AxWorkbench.Core.Tests.Lightweighting;

/// <summary>The medium fixture (F16, ~4M parameters) and its Q8_0 and Q4_0 variants, written once for the lab tests.</summary>
public sealed class LabFixture : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "ax-lab-tests-" + Guid.NewGuid().ToString("N"));

    public string F16 { get; private set; } = "";

    public QuantizationResult Q8 { get; private set; } = null!;

    public QuantizationResult Q4 { get; private set; } = null!;

    /// <summary>Korean prose (a paraphrase of statute style), long enough for several windows in byte-fallback tokens.</summary>
    public static string KoreanText { get; } = string.Join(
        "\n",
        Enumerable.Range(1, 40).Select(i =>
            $"제{i}조(목적) 이 법은 국가의 안전보장과 국토방위를 위하여 군사기밀을 보호하고 정보 분석 보고서의 작성 및 검토 절차를 정함을 목적으로 한다. " +
            $"제{i}항 국방부장관은 지역별 위협 수준을 평가하여 {i}일 이내에 보고하여야 하며, 관측된 이동과 보급 경로의 변화를 기록한다."));

    public static EvaluationSettings Settings { get; } = new() { Windows = 4, WindowTokens = 128, SpeedTokens = 32, Threads = 2 };

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        F16 = Path.Combine(Directory, "ax-fixture-medium.F16.gguf");
        FixtureModelWriter.Write(F16, "medium", 11);
        Q8 = await ModelQuantizer.QuantizeAsync(F16, null, QuantizationTarget.Parse("Q8_0"), threads: 2);
        Q4 = await ModelQuantizer.QuantizeAsync(F16, null, QuantizationTarget.Parse("Q4_0"), threads: 2);
    }

    public Task DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

// Model tests run alone, after the parallel ones: llama.cpp's threads spin, and other tests on the
// same 2 cores would turn their waits into timeouts.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "Lightweighting lab models";
}
