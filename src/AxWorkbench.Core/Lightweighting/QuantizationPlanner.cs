using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>
/// Checks, in managed code from the GGUF header, that a source can be quantized to a target before llama.cpp is
/// called: the source must be a valid, unquantized model (F32, F16 or BF16 weights) and every matrix that will be
/// quantized must have rows that are a whole number of the target's blocks (32 for Q8_0/Q4_0, 256 for K-quants).
/// </summary>
public static class QuantizationPlanner
{
    private static readonly HashSet<uint> FloatTypes = [0, 1, 30]; // F32, F16, BF16

    /// <summary>Returns the parsed header when the plan is sound.</summary>
    /// <exception cref="QuantizationRefusedException">With the reason, naming the tensor when a shape is at fault.</exception>
    public static GgufHeader Check(string sourcePath, QuantizationTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var verdict = GgufValidator.Validate(sourcePath, allowUnknownArchitecture: true);
        if (!verdict.IsValid || verdict.Header is null)
        {
            throw new QuantizationRefusedException($"'{sourcePath}' cannot be quantized: {verdict}");
        }

        var header = verdict.Header;
        var matrices = header.Tensors.Where(t => t.Dimensions.Count >= 2 && t.Name.EndsWith(".weight", StringComparison.Ordinal)).ToList();
        var quantized = matrices.Where(t => !FloatTypes.Contains(t.GgmlType)).ToList();
        if (quantized.Count > 0)
        {
            var t = quantized[0];
            throw new QuantizationRefusedException(
                $"'{Path.GetFileName(sourcePath)}' is already quantized ({t.Name} is {GgufValidator.TypeName(t.GgmlType)}); quantizing again compounds the loss. Quantize from the F16, BF16 or F32 original.");
        }

        var misfit = matrices.FirstOrDefault(t => t.Dimensions[0] % (ulong)target.BlockSize != 0);
        if (misfit is not null)
        {
            var kind = target.BlockSize == 256 ? "K-quants pack rows in super-blocks of 256 values" : $"{target.Name} packs rows in blocks of {target.BlockSize} values";
            throw new QuantizationRefusedException(
                $"{target.Name} is not possible for '{Path.GetFileName(sourcePath)}': {kind}, but tensor {misfit.Name} has rows of {misfit.Dimensions[0]} values. " +
                (QuantizationTarget.All.Where(t => matrices.All(m => m.Dimensions[0] % (ulong)t.BlockSize == 0)).Select(t => t.Name).ToList() is { Count: > 0 } fits
                    ? $"Types that fit this model: {string.Join(", ", fits)}."
                    : "No offered type fits this model's shapes."));
        }

        return header;
    }
}
