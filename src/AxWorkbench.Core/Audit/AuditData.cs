using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Audit;

/// <summary>The audit table on <see cref="WorkbenchDbContext"/>; written only by <see cref="AuditLog"/>'s single writer.</summary>
public static class AuditData
{
    public const string TableName = "AuditRecords";

    /// <summary>PostgreSQL advisory lock key that serializes chain writers across nodes ("AxWBaudt" as a bigint).</summary>
    public const long ChainLockKey = 0x4178574261756474;

    /// <summary>Every record in chain order; identifiers quoted so the same text runs on SQLite and PostgreSQL.</summary>
    public const string SelectAllSql =
        "SELECT \"Sequence\", \"TimestampUtc\", \"Actor\", \"Action\", \"Target\", \"Outcome\", \"ClientAddress\", \"Marking\", \"Details\", \"Hash\" " +
        "FROM \"" + TableName + "\" ORDER BY \"Sequence\"";

    extension(WorkbenchDbContext db)
    {
        public DbSet<AuditRecord> AuditRecords => db.Set<AuditRecord>();
    }
}

internal sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> record)
    {
        record.ToTable(AuditData.TableName);
        record.HasKey(r => r.Sequence);
        record.Property(r => r.Sequence).ValueGeneratedNever();
        record.Property(r => r.TimestampUtc).HasMaxLength(28);
        record.Property(r => r.Actor).HasMaxLength(256);
        record.Property(r => r.Action).HasMaxLength(64);
        record.Property(r => r.Target).HasMaxLength(1024);
        record.Property(r => r.Outcome).HasMaxLength(32);
        record.Property(r => r.ClientAddress).HasMaxLength(64);
        record.Property(r => r.Marking).HasMaxLength(256);
        record.Property(r => r.Hash).HasMaxLength(64);
        record.Ignore(r => r.Time);
        record.HasIndex(r => r.TimestampUtc);
        record.HasIndex(r => r.Actor);
        record.HasIndex(r => r.Action);
    }
}
