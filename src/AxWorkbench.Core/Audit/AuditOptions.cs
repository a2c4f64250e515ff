using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Data;

namespace AxWorkbench.Core.Audit;

/// <summary>The audit log's settings (section "Audit").</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    public const string DefaultCheckpointFileName = "audit-checkpoints.log";

    /// <summary>
    /// File the writer appends checkpoints (sequence number + hash) to, outside the database. Default:
    /// {Data:DataDirectory}/audit-checkpoints.log. Production sites point it at another volume
    /// (ideally append-only or write-once) so that whoever can rewrite the database cannot also rewrite it.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>A checkpoint is appended at least every this many records.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Audit:CheckpointEvery must be between 1 and 1000000 records.")]
    public int CheckpointEvery { get; set; } = 100;

    /// <summary>...and at least this often (seconds) while new records exist since the last one.</summary>
    [Range(1, 86_400, ErrorMessage = "Audit:CheckpointIntervalSeconds must be between 1 and 86400.")]
    public int CheckpointIntervalSeconds { get; set; } = 60;

    /// <summary>How long an action waits for its audit record to be durable before it is refused.</summary>
    [Range(1, 600, ErrorMessage = "Audit:WriteTimeoutSeconds must be between 1 and 600.")]
    public int WriteTimeoutSeconds { get; set; } = 15;

    /// <summary>Most records the writer commits in one transaction.</summary>
    [Range(1, 10_000, ErrorMessage = "Audit:MaxBatch must be between 1 and 10000.")]
    public int MaxBatch { get; set; } = 500;

    public string ResolveCheckpointPath(DataOptions data, string contentRoot) =>
        string.IsNullOrWhiteSpace(CheckpointPath)
            ? Path.Combine(data.ResolveDataDirectory(contentRoot), DefaultCheckpointFileName)
            : Path.GetFullPath(Path.IsPathRooted(CheckpointPath) ? CheckpointPath : Path.Combine(contentRoot, CheckpointPath));
}
