using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Documents;

/// <summary>Upload limits. Sizes are in megabytes.</summary>
public sealed class DocumentOptions
{
    public const string SectionName = "Documents";

    /// <summary>The largest upload accepted at all (the stream is cut off past it).</summary>
    [Range(1, 4096, ErrorMessage = "Documents:MaxUploadMegabytes must be between 1 and 4096.")]
    public int MaxUploadMegabytes { get; set; } = 100;

    /// <summary>Per-format limits by the format detected from the bytes (Pdf, Docx, Hwpx, Text, Html); missing formats use MaxUploadMegabytes.</summary>
    public Dictionary<string, int> MaxMegabytesByFormat { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Pdf"] = 100,
        ["Docx"] = 50,
        ["Hwpx"] = 50,
        ["Text"] = 20,
        ["Html"] = 10,
    };

    /// <summary>The total size of originals one user may hold.</summary>
    [Range(1, 1_048_576, ErrorMessage = "Documents:QuotaMegabytesPerUser must be between 1 and 1048576.")]
    public int QuotaMegabytesPerUser { get; set; } = 2048;

    /// <summary>Summaries made at the same time (each is one background sequence in the engine).</summary>
    [Range(1, 16, ErrorMessage = "Documents:ConcurrentSummaries must be between 1 and 16.")]
    public int ConcurrentSummaries { get; set; } = 2;

    /// <summary>The longest answer of one map or reduce step, in tokens.</summary>
    [Range(16, 4096, ErrorMessage = "Documents:SummaryMaxTokens must be between 16 and 4096.")]
    public int SummaryMaxTokens { get; set; } = 300;

    /// <summary>The context assumed for summaries while no model is loaded (the loaded model's own context is used otherwise).</summary>
    [Range(256, 1_048_576, ErrorMessage = "Documents:SummaryContextTokens must be between 256 and 1048576.")]
    public int SummaryContextTokens { get; set; } = 2048;
}
