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
}
