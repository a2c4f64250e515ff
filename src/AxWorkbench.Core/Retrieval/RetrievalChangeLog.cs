using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// One change that affects what retrieval finds (a document indexed, its libraries changed, removed, its vectors ready),
/// written in the same transaction as the change itself. Every node's index follows this log
/// (<see cref="RetrievalService.ApplyChangesAsync"/>): the database stays the one source of truth for N nodes.
/// </summary>
public sealed class RetrievalChange
{
    public long Id { get; set; }

    public Guid DocumentId { get; set; }

    public RetrievalChangeKind Kind { get; set; }

    /// <summary>The node that made the change (it applied it to its own index already).</summary>
    public required string Node { get; set; }

    public DateTimeOffset CreatedUtc { get; set; }
}

public enum RetrievalChangeKind
{
    /// <summary>A (new version of a) document's chunks were stored.</summary>
    Indexed,

    /// <summary>The libraries holding the document changed (added to or removed from one).</summary>
    Libraries,

    /// <summary>No library holds the document any more: its chunks are gone.</summary>
    Removed,

    /// <summary>The embedding worker stored the chunks' vectors.</summary>
    Vectors,
}

/// <summary>The change log's table and the transaction every retrieval write runs in.</summary>
public static class RetrievalChangeLog
{
    /// <summary>PostgreSQL advisory lock key ("AxWBretr"): retrieval writers on every node take it, so change ids commit in id order.</summary>
    public const long LogLockKey = 0x4178574272657472;

    extension(WorkbenchDbContext db)
    {
        public DbSet<RetrievalChange> RetrievalChanges => db.Set<RetrievalChange>();
    }

    /// <summary>
    /// Begins the transaction a retrieval write and its change-log rows share. On PostgreSQL it first takes a
    /// transaction-scoped advisory lock held until commit, so a change id never becomes visible after a larger one
    /// (a follower remembering "applied up to id N" then misses nothing). SQLite writers are serialized by the file.
    /// </summary>
    public static async Task<IDbContextTransaction> BeginLoggedAsync(WorkbenchDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({LogLockKey})", cancellationToken);
        }

        return transaction;
    }
}

internal sealed class RetrievalChangeConfiguration : IEntityTypeConfiguration<RetrievalChange>
{
    public void Configure(EntityTypeBuilder<RetrievalChange> e)
    {
        e.ToTable("RetrievalChanges");
        e.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        e.Property(c => c.Node).HasMaxLength(64);
    }
}
