using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Audit;

/// <summary>The audit table, on the shared database with its own migrations ("__Migrations_Audit").</summary>
public sealed class AuditDbContext(DbContextOptions<AuditDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__Migrations_Audit";

    public const string TableName = "AuditRecords";

    public DbSet<AuditRecord> Records => Set<AuditRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuditRecord>(record =>
        {
            record.ToTable(TableName);
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
        });
    }
}

internal sealed class AuditDesignTimeFactory() : DesignTimeFactory<AuditDbContext>(AuditDbContext.HistoryTable);
