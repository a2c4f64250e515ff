using AxWorkbench.Core.Inference;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Bad model files: each kind gets its own named verdict, and the engine reports it without throwing.</summary>
public sealed class GgufValidatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ax-gguf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, GgufProblem> BadFiles => new()
    {
        { "missing", GgufProblem.FileNotFound },
        { "directory", GgufProblem.IsDirectory },
        { "empty", GgufProblem.Empty },
        { "random", GgufProblem.NotGguf },
        { "truncated", GgufProblem.Truncated },
        { "truncated-header", GgufProblem.Truncated },
        { "version", GgufProblem.UnsupportedVersion },
        { "axk1", GgufProblem.UnknownArchitecture },
        { "no-arch", GgufProblem.MissingArchitecture },
    };

    internal string Make(string kind)
    {
        var path = Path.Combine(_dir, kind + ".gguf");
        switch (kind)
        {
            case "missing":
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "random":
                var bytes = new byte[4096];
                new Random(3).NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                break;
            case "truncated":
            case "truncated-header":
                var fixture = Path.Combine(_dir, "whole.gguf");
                FixtureModelWriter.Write(fixture, "small", 1);
                var all = File.ReadAllBytes(fixture);
                File.WriteAllBytes(path, all[..(kind == "truncated" ? all.Length / 2 : 200)]);
                break;
            case "version":
                var fx = Path.Combine(_dir, "v.gguf");
                FixtureModelWriter.Write(fx, "small", 1);
                var data = File.ReadAllBytes(fx);
                BitConverter.TryWriteBytes(data.AsSpan(4), 7u);
                File.WriteAllBytes(path, data);
                break;
            case "axk1":
            case "no-arch":
                var w = new GgufWriter();
                if (kind == "axk1")
                {
                    w.AddString("general.architecture", "axk1");
                }

                w.AddString("general.name", "A.X K1 (test stub)");
                w.AddUInt32("axk1.context_length", 4096);
                using (var s = File.Create(path))
                {
                    w.Write(s);
                }

                break;
        }

        return path;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFile_GetsItsNamedProblem(string kind, GgufProblem expected)
    {
        var result = GgufValidator.Validate(Make(kind));
        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Problem);
        Assert.StartsWith(expected.ToString() + ":", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownArchitecture_MessageNamesTheArchitectureAndTheWayOut()
    {
        var result = GgufValidator.Validate(Make("axk1"));
        Assert.Contains("'axk1'", result.Message, StringComparison.Ordinal);
        Assert.Contains("NativeLibraryPath", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("small", 250_000, 450_000)]
    [InlineData("medium", 3_500_000, 4_500_000)]
    public void FixtureModel_IsValidGguf_OfTheRightSize(string size, long min, long max)
    {
        var path = Path.Combine(_dir, size + ".gguf");
        FixtureModelWriter.Write(path, size, 9);
        var result = GgufValidator.Validate(path);
        Assert.True(result.IsValid, result.ToString());
        var parameters = result.Header!.Tensors.Aggregate(0UL, (a, t) => a + t.ElementCount);
        Assert.InRange((long)parameters, min, max);
        Assert.True(FixtureModelWriter.IsFixture(result.Header));
    }

    [Fact]
    public void FixtureModel_SameSeed_SameBytes()
    {
        var a = Path.Combine(_dir, "a.gguf");
        var b = Path.Combine(_dir, "b.gguf");
        FixtureModelWriter.Write(a, "small", 11);
        FixtureModelWriter.Write(b, "small", 11);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Engine_WithBadModel_ReportsFailedWithTheReason_AndDoesNotThrow(string kind, GgufProblem expected)
    {
        using var engine = new InferenceEngine(Options.Create(new InferenceOptions { ModelPath = Make(kind) }));
        await engine.LoadAsync();
        Assert.Equal(ModelState.Failed, engine.State);
        Assert.StartsWith(expected.ToString(), engine.Error, StringComparison.Ordinal);
        var ex = Assert.Throws<ModelUnavailableException>(() => engine.Submit(new GenerationRequest { Prompt = "hi" }));
        Assert.Contains(expected.ToString(), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownArchitecture_PastValidation_NativeLogGivesTheRealReason()
    {
        // What a site-built libllama path would do: llama.cpp itself rejects the file; its log line is the reason.
        using var engine = new InferenceEngine(Options.Create(new InferenceOptions()));
        await engine.LoadPathAsync(Make("axk1"), validate: false, CancellationToken.None);
        Assert.Equal(ModelState.Failed, engine.State);
        Assert.StartsWith("NativeLoadFailed", engine.Error, StringComparison.Ordinal);
        Assert.Contains("axk1", engine.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectCommand_UnusableFile_ReturnsNonZeroWithReason()
    {
        var output = new StringWriter();
        var code = ModelCommands.Inspect(Make("axk1"), output);
        Assert.NotEqual(0, code);
        Assert.Contains("UnknownArchitecture", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFixtureCommand_WritesAUsableModel()
    {
        var output = new StringWriter();
        var path = Path.Combine(_dir, "cli.gguf");
        Assert.Equal(0, ModelCommands.WriteFixture(path, "small", 3, output));
        Assert.Contains("architecture:  llama", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("verdict:       usable", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, ModelCommands.Inspect(path, new StringWriter()));
        Assert.NotEqual(0, ModelCommands.WriteFixture(path, "huge", 3, new StringWriter()));
    }
}
