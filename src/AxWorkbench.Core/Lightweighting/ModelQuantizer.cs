using System.Diagnostics;
using System.Security.Cryptography;
using AxWorkbench.Core.Inference.Offline;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>What a quantization produced.</summary>
public sealed record QuantizationResult(
    string SourcePath,
    string SourceSha256,
    long SourceBytes,
    string TargetType,
    string OutputPath,
    long OutputBytes,
    TimeSpan Duration)
{
    /// <summary>Output size over source size.</summary>
    public double SizeRatio => SourceBytes == 0 ? 0 : (double)OutputBytes / SourceBytes;
}

/// <summary>
/// Quantizes a GGUF with llama.cpp's quantizer (<see cref="GgufQuantizer"/>) after the managed shape check. Progress comes from
/// llama.cpp's per-tensor log lines. The native quantizer cannot be interrupted mid-file: a cancel is honoured before it
/// starts and, once it runs, as soon as it returns (the partial output is deleted and nothing is recorded).
/// </summary>
public static class ModelQuantizer
{
    /// <exception cref="QuantizationRefusedException">The plan is refused or llama.cpp failed (with its reason).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; no output is left behind.</exception>
    public static async Task<QuantizationResult> QuantizeAsync(
        string sourcePath,
        string? outputPath,
        QuantizationTarget target,
        IProgress<double>? progress = null,
        int threads = 0,
        string? nativeLibraryPath = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var source = Path.GetFullPath(sourcePath);
        var output = Path.GetFullPath(outputPath ?? target.DefaultOutputPath(source));
        if (string.Equals(source, output, StringComparison.Ordinal))
        {
            throw new QuantizationRefusedException($"The output '{output}' would overwrite the source; choose another file name.");
        }

        QuantizationPlanner.Check(source, target);
        var directory = Path.GetDirectoryName(output);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        string sha;
        await using (var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var partial = output + ".partial";
        var watch = Stopwatch.StartNew();
        string? failure = null;
        try
        {
            progress?.Report(0);
            await GgufQuantizer.QuantizeAsync(source, partial, target.FileType, threads, nativeLibraryPath, progress).ConfigureAwait(false);
        }
        catch (OfflineModelException ex)
        {
            failure = ex.Message;
        }

        watch.Stop();
        if (failure is not null || cancellationToken.IsCancellationRequested)
        {
            TryDelete(partial);
            cancellationToken.ThrowIfCancellationRequested();
            throw new QuantizationRefusedException($"llama.cpp could not quantize '{source}' to {target.Name}: {failure}");
        }

        File.Move(partial, output, overwrite: true);
        progress?.Report(1);
        return new QuantizationResult(source, sha, new FileInfo(source).Length, target.Name, output, new FileInfo(output).Length, watch.Elapsed);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
