using System.Globalization;
using System.Text.RegularExpressions;
using LLama;
using LLama.Native;

namespace AxWorkbench.Core.Inference.Offline;

/// <summary>The quantization types the workbench offers (llama.cpp file types).</summary>
public enum QuantizationType { Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0 }

/// <summary>
/// llama.cpp's quantizer: writes <c>destination</c> from <c>source</c>, reporting progress from its per-tensor log
/// lines. The native call cannot be interrupted; it runs on a thread of its own.
/// </summary>
public static partial class GgufQuantizer
{
    /// <exception cref="NativeLibraryUnavailableException">The native library cannot be loaded.</exception>
    /// <exception cref="OfflineModelException">llama.cpp failed (the message carries the reason it logged).</exception>
    public static async Task QuantizeAsync(string source, string destination, QuantizationType type, int threads, string? nativeLibraryPath, IProgress<double>? progress)
    {
        LlamaNative.EnsureInitialized(nativeLibraryPath); // LLamaQuantizer throws DllNotFoundException unless the library is loaded
        var mark = LlamaNative.Mark();
        void OnLine(LLamaLogLevel level, string line)
        {
            var m = TensorProgress().Match(line);
            if (m.Success && int.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var total) && total > 0)
            {
                progress?.Report(Math.Min(1.0, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / (double)total));
            }
        }

        LlamaNative.LineLogged += OnLine;
        bool ok;
        try
        {
            var nthread = threads > 0 ? threads : Environment.ProcessorCount;
            ok = await Task.Factory.StartNew(
                () => LLamaQuantizer.Quantize(source, destination, FileType(type), nthread, allowRequantize: false, quantizeOutputTensor: true),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            LlamaNative.LineLogged -= OnLine;
        }

        if (!ok)
        {
            var native = LlamaNative.ProblemsSince(mark);
            throw new OfflineModelException(native.Count > 0 ? string.Join(" | ", native.TakeLast(3)) : "no reason logged");
        }
    }

    private static LLamaFtype FileType(QuantizationType type) => type switch
    {
        QuantizationType.Q8_0 => LLamaFtype.MOSTLY_Q8_0,
        QuantizationType.Q6_K => LLamaFtype.MOSTLY_Q6_K,
        QuantizationType.Q5_K_M => LLamaFtype.MOSTLY_Q5_K_M,
        QuantizationType.Q4_K_M => LLamaFtype.MOSTLY_Q4_K_M,
        QuantizationType.Q4_0 => LLamaFtype.MOSTLY_Q4_0,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a quantization type the workbench offers."),
    };

    // llama.cpp logs one line per tensor: "[   3/  39]   blk.0.attn_q.weight - [  256,   256, ...], type = f16, converting to q8_0 .."
    [GeneratedRegex(@"^\s*\[\s*(\d+)/\s*(\d+)\]")]
    private static partial Regex TensorProgress();
}
