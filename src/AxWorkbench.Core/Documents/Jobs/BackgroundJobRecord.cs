using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Documents.Jobs;

public enum BackgroundJobStatus
{
    /// <summary>Waiting for a node to claim it (new, or released by a node that stopped gracefully).</summary>
    Queued,

    /// <summary>Claimed by <see cref="BackgroundJobRecord.OwnerNode"/> until <see cref="BackgroundJobRecord.LeaseExpiresAt"/>.</summary>
    Running,

    /// <summary>Done with (its subject's row says how it ended).</summary>
    Finished,
}

/// <summary>
/// A unit of background work (parse a document, make a summary) claimed by exactly one node at a time. The subject's own
/// row (the document, the summary) keeps the work's result; this row only says who works on it and until when.
/// </summary>
public sealed class BackgroundJobRecord
{
    public Guid Id { get; set; }

    /// <summary>What to do: <see cref="JobKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>The document or summary the job works on (at most one unfinished job per kind and subject).</summary>
    public Guid SubjectId { get; set; }

    public BackgroundJobStatus Status { get; set; }

    /// <summary>Who asked for the work (user id and login name), so a node that takes it over acts and audits as them.</summary>
    public required string RequestedById { get; set; }

    public required string RequestedByName { get; set; }

    public string? OwnerNode { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public DateTime? HeartbeatAt { get; set; }

    /// <summary>Set by a cancel on any node; the owner sees it at its next heartbeat.</summary>
    public bool CancelRequested { get; set; }

    public string? CancelledBy { get; set; }

    /// <summary>How many times a node claimed it (more than one: a node died or stopped while working on it).</summary>
    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}

/// <summary>The kinds of <see cref="BackgroundJobRecord"/>.</summary>
public static class JobKinds
{
    public const string Parse = "parse";

    public const string Summary = "summary";
}

internal sealed class BackgroundJobConfiguration : IEntityTypeConfiguration<BackgroundJobRecord>
{
    public void Configure(EntityTypeBuilder<BackgroundJobRecord> job)
    {
        job.ToTable("BackgroundJobs");
        job.Property(j => j.Kind).HasMaxLength(32);
        job.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        job.Property(j => j.RequestedById).HasMaxLength(450);
        job.Property(j => j.RequestedByName).HasMaxLength(256);
        job.Property(j => j.OwnerNode).HasMaxLength(64);
        job.Property(j => j.CancelledBy).HasMaxLength(256);
        job.HasIndex(j => new { j.Kind, j.SubjectId }).IsUnique().HasFilter("\"FinishedAt\" IS NULL");
        job.HasIndex(j => new { j.Kind, j.Status, j.CreatedAt });
    }
}
