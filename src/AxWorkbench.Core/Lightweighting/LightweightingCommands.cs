using System.Globalization;
using System.Text.Json;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Offline;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>Operator commands behind `model quantize` and `model evaluate`: print the figures and write them as JSON.</summary>
public static class LightweightingCommands
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Quantizes <paramref name="source"/> to <paramref name="type"/>; 0 when done, 2 with the reason when refused or failed.</summary>
    public static async Task<int> QuantizeAsync(string source, string? destination, string type, string? jsonPath, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var target = QuantizationTarget.Parse(type);
            var result = await ModelQuantizer.QuantizeAsync(source, destination, target, cancellationToken: cancellationToken).ConfigureAwait(false);
            output.WriteLine(FormattableString.Invariant($"source:   {result.SourcePath}"));
            output.WriteLine(FormattableString.Invariant($"sha256:   {result.SourceSha256}"));
            output.WriteLine(FormattableString.Invariant($"type:     {result.TargetType}"));
            output.WriteLine(FormattableString.Invariant($"output:   {result.OutputPath}"));
            output.WriteLine(FormattableString.Invariant($"size:     {result.SourceBytes:N0} -> {result.OutputBytes:N0} bytes ({result.SizeRatio:P1})"));
            output.WriteLine(FormattableString.Invariant($"duration: {result.Duration.TotalMilliseconds:N0} ms"));
            var json = jsonPath ?? Path.ChangeExtension(result.OutputPath, ".quantize.json");
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
            {
                result.SourcePath, result.SourceSha256, result.SourceBytes, result.TargetType, result.OutputPath, result.OutputBytes,
                DurationMs = result.Duration.TotalMilliseconds, result.SizeRatio,
            }, Json), cancellationToken).ConfigureAwait(false);
            output.WriteLine($"json:     {json}");
            return ModelCommands.Ok;
        }
        catch (Exception ex) when (ex is QuantizationRefusedException or NativeLibraryUnavailableException or IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"refused: {ex.Message}");
            return ModelCommands.Unusable;
        }
    }

    /// <summary>Evaluates <paramref name="variant"/> against <paramref name="baseModel"/> on a text file; 0 when done, 2 with the reason when not.</summary>
    public static async Task<int> EvaluateAsync(string baseModel, string variant, string textFile, int windows, int windowTokens, int threads, string? jsonPath, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var text = await File.ReadAllTextAsync(textFile, cancellationToken).ConfigureAwait(false);
            var report = await ModelEvaluator.EvaluateAsync(baseModel, variant, text, new EvaluationSettings { Windows = windows, WindowTokens = windowTokens, Threads = threads }, cancellationToken: cancellationToken).ConfigureAwait(false);
            Print(report, textFile, output);
            var json = jsonPath ?? Path.ChangeExtension(Path.GetFullPath(variant), ".evaluation.json");
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { Text = Path.GetFullPath(textFile), report, report.PerplexityRatio }, Json), cancellationToken).ConfigureAwait(false);
            output.WriteLine($"json:          {json}");
            return ModelCommands.Ok;
        }
        catch (Exception ex) when (ex is EvaluationRefusedException or NativeLibraryUnavailableException or IOException or UnauthorizedAccessException or OfflineModelException)
        {
            output.WriteLine($"refused: {ex.Message}");
            return ModelCommands.Unusable;
        }
    }

    public static void Print(EvaluationReport report, string textName, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine($"text:          {textName} (sha256 {report.TextSha256}, {report.TextTokens} tokens)");
        output.WriteLine(string.Create(ci, $"windows:       {report.Windows} x {report.WindowTokens} tokens, {report.ScoredTokens} scored predictions"));
        output.WriteLine(string.Create(ci, $"{"",-14} {"base",14} {"variant",14}"));
        output.WriteLine(string.Create(ci, $"{"file type",-14} {report.Base.FileType,14} {report.Variant.FileType,14}"));
        output.WriteLine(string.Create(ci, $"{"file bytes",-14} {report.Base.FileBytes,14:N0} {report.Variant.FileBytes,14:N0}"));
        output.WriteLine(string.Create(ci, $"{"memory bytes",-14} {report.Base.MemoryBytes,14:N0} {report.Variant.MemoryBytes,14:N0}"));
        output.WriteLine(string.Create(ci, $"{"decode tok/s",-14} {report.Base.DecodeTokensPerSecond,14:N1} {report.Variant.DecodeTokensPerSecond,14:N1}"));
        output.WriteLine(string.Create(ci, $"{"perplexity",-14} {report.Base.Perplexity,14:F4} {report.Variant.Perplexity,14:F4}"));
        output.WriteLine(string.Create(ci, $"ppl ratio:     {report.PerplexityRatio:F5}"));
        output.WriteLine(string.Create(ci, $"KL mean:       {report.MeanKl:G6}"));
        output.WriteLine(string.Create(ci, $"KL p99:        {report.P99Kl:G6}"));
        output.WriteLine(string.Create(ci, $"KL max:        {report.MaxKl:G6}"));
        output.WriteLine(string.Create(ci, $"top-1 agree:   {report.Top1Agreement:P2}"));
    }
}
