using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>Settings of the lightweighting lab (configuration section "Lightweighting").</summary>
public sealed class LightweightingOptions
{
    public const string SectionName = "Lightweighting";

    /// <summary>How long a promotion lets running generations finish before it stops them with a message.</summary>
    [Range(0, 3600, ErrorMessage = "Lightweighting:DrainTimeoutSeconds must be between 0 and 3600.")]
    public int DrainTimeoutSeconds { get; set; } = 60;

    /// <summary>Windows an evaluation scores unless the administrator says otherwise.</summary>
    [Range(1, 10_000, ErrorMessage = "Lightweighting:Windows must be between 1 and 10000.")]
    public int Windows { get; set; } = 8;

    /// <summary>Tokens per evaluation window (llama.cpp's perplexity tool uses 512).</summary>
    [Range(16, 32_768, ErrorMessage = "Lightweighting:WindowTokens must be between 16 and 32768.")]
    public int WindowTokens { get; set; } = 256;

    /// <summary>Folders (besides the served model's and the fixture folder) whose GGUF files the lab lists.</summary>
    public List<string> ModelDirectories { get; set; } = [];
}
