using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Lightweighting;

public enum LabJobKind { Quantize, Evaluate }

public enum LabJobStatus { Queued, Running, Completed, Failed, Cancelled }

/// <summary>
/// A quantization or evaluation asked for in the lab: what to do (so any node can do it), where it stands and how it
/// ended. Which node works on it, until when, and whether a cancel was asked, is its row in the shared jobs table
/// (kind <see cref="LabJobRecord.JobKind"/>, subject = this row's id).
/// </summary>
public sealed class LabJobRecord
{
    /// <summary>The jobs-table kind of every lab job (one at a time per node: the model work is heavy).</summary>
    public const string JobKind = "lab";

    public Guid Id { get; set; }
    public LabJobKind Kind { get; set; }
    public required string Description { get; set; }
    public LabJobStatus Status { get; set; }

    /// <summary>0..1, saved by the working node at most every heartbeat; live progress travels as cluster events.</summary>
    public double Progress { get; set; }

    /// <summary>The result (output path, figures) or the reason it failed or was cancelled.</summary>
    public string? Message { get; set; }

    public required string RequestedBy { get; set; }

    /// <summary>The node working on it (or that last did).</summary>
    public string? Node { get; set; }

    /// <summary>The source model (quantize) or the base model (evaluate).</summary>
    public required string SourcePath { get; set; }

    /// <summary>Quantize: the output asked for (null: next to the source). Evaluate: the variant.</summary>
    public string? TargetPath { get; set; }

    /// <summary>Quantize: the target type (Q8_0, Q4_K_M...).</summary>
    public string? TargetType { get; set; }

    /// <summary>Evaluate: the text scored and its name.</summary>
    public string? Text { get; set; }
    public string? TextName { get; set; }
    public int? Windows { get; set; }
    public int? WindowTokens { get; set; }

    /// <summary>The <see cref="QuantizationRecord"/> or <see cref="EvaluationRecord"/> it produced.</summary>
    public long? ResultId { get; set; }

    public DateTime CreatedUtc { get; set; }
    public DateTime? FinishedUtc { get; set; }
}

internal sealed class LabJobConfiguration : IEntityTypeConfiguration<LabJobRecord>
{
    public void Configure(EntityTypeBuilder<LabJobRecord> e)
    {
        e.ToTable("LabJobs");
        e.Property(j => j.Kind).HasConversion<string>().HasMaxLength(16);
        e.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(j => j.Description).HasMaxLength(1024);
        e.Property(j => j.RequestedBy).HasMaxLength(256);
        e.Property(j => j.Node).HasMaxLength(64);
        e.Property(j => j.TargetType).HasMaxLength(32);
        e.Property(j => j.TextName).HasMaxLength(512);
        e.HasIndex(j => j.CreatedUtc);
    }
}
