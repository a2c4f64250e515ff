using AxWorkbench.Core.Inference.Offline;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>A quantization type the lab offers: llama.cpp's file type and the row length its blocks need.</summary>
public sealed record QuantizationTarget(string Name, QuantizationType FileType, int BlockSize, string Description)
{
    /// <summary>Targets offered, from largest and most faithful to smallest.</summary>
    public static IReadOnlyList<QuantizationTarget> All { get; } =
    [
        new("Q8_0", QuantizationType.Q8_0, 32, "8-bit, blocks of 32: nearly lossless, about half of F16"),
        new("Q6_K", QuantizationType.Q6_K, 256, "6-bit K-quant, super-blocks of 256"),
        new("Q5_K_M", QuantizationType.Q5_K_M, 256, "5-bit K-quant mix, super-blocks of 256"),
        new("Q4_K_M", QuantizationType.Q4_K_M, 256, "4-bit K-quant mix, super-blocks of 256: the usual default"),
        new("Q4_0", QuantizationType.Q4_0, 32, "4-bit, blocks of 32: smallest, most loss"),
    ];

    /// <summary>Finds a target by name (case-insensitive).</summary>
    /// <exception cref="QuantizationRefusedException">The name is not one of <see cref="All"/>.</exception>
    public static QuantizationTarget Parse(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new QuantizationRefusedException($"Unknown quantization type '{name}'. Use one of: {string.Join(", ", All.Select(t => t.Name))}.");

    /// <summary>Where the variant of <paramref name="sourcePath"/> goes by default: next to it, named for the type.</summary>
    public string DefaultOutputPath(string sourcePath)
    {
        var full = Path.GetFullPath(sourcePath);
        var stem = Path.GetFileNameWithoutExtension(full);
        foreach (var suffix in (string[])[".F16", "-F16", ".f16", "-f16", ".F32", "-F32", ".BF16", "-BF16"])
        {
            if (stem.EndsWith(suffix, StringComparison.Ordinal))
            {
                stem = stem[..^suffix.Length];
                break;
            }
        }

        return Path.Combine(Path.GetDirectoryName(full)!, $"{stem}.{Name}.gguf");
    }
}

/// <summary>A quantization that cannot run (unknown type, unsuitable source, tensor shapes the type does not allow); the message says why.</summary>
public sealed class QuantizationRefusedException(string message) : Exception(message);

/// <summary>Evaluation inputs that cannot give figures (text too short, models that do not share a vocabulary); the message says why.</summary>
public sealed class EvaluationRefusedException(string message) : Exception(message);
