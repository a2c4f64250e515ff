using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Inference;
using LLama;
using LLama.Native;

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
/// Quantizes a GGUF with llama.cpp's quantizer (through LLamaSharp) after the managed shape check. Progress comes from
/// llama.cpp's per-tensor log lines. The native quantizer cannot be interrupted mid-file: a cancel is honoured before it
/// starts and, once it runs, as soon as it returns (the partial output is deleted and nothing is recorded).
/// </summary>
public static partial class ModelQuantizer
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
        LlamaNative.EnsureInitialized(nativeLibraryPath); // LLamaQuantizer throws DllNotFoundException unless the library is loaded
        var partial = output + ".partial";
        var mark = LlamaNative.Mark();
        void OnLine(LLamaLogLevel level, string line)
        {
            var m = TensorProgress().Match(line);
            if (m.Success && int.TryParse(m.Groups[2].Value, out var total) && total > 0)
            {
                progress?.Report(Math.Min(1.0, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) / (double)total));
            }
        }

        var watch = Stopwatch.StartNew();
        LlamaNative.LineLogged += OnLine;
        bool ok;
        try
        {
            progress?.Report(0);
            var nthread = threads > 0 ? threads : Environment.ProcessorCount;
            ok = await Task.Factory.StartNew(
                () => LLamaQuantizer.Quantize(source, partial, target.FileType, nthread, allowRequantize: false, quantizeOutputTensor: true),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            LlamaNative.LineLogged -= OnLine;
        }

        watch.Stop();
        if (!ok || cancellationToken.IsCancellationRequested)
        {
            TryDelete(partial);
            cancellationToken.ThrowIfCancellationRequested();
            var native = LlamaNative.ProblemsSince(mark);
            throw new QuantizationRefusedException($"llama.cpp could not quantize '{source}' to {target.Name}: {(native.Count > 0 ? string.Join(" | ", native.TakeLast(3)) : "no reason logged")}");
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

    // llama.cpp logs one line per tensor: "[   3/  39]   blk.0.attn_q.weight - [  256,   256, ...], type = f16, converting to q8_0 .."
    [GeneratedRegex(@"^\s*\[\s*(\d+)/\s*(\d+)\]")]
    private static partial Regex TensorProgress();
}
