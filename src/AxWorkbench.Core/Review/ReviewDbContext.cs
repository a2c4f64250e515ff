using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Review;

/// <summary>Units (a tree), review states, per-turn comments and "viewed by" records (own migrations, shared database).</summary>
public sealed class ReviewDbContext(DbContextOptions<ReviewDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__Migrations_Review";
    public const int HeadquartersId = 1;
    public const int FirstIntelligenceBattalionId = 2;

    public DbSet<OrgUnit> Units => Set<OrgUnit>();
    public DbSet<SessionReview> Reviews => Set<SessionReview>();
    public DbSet<ReviewComment> Comments => Set<ReviewComment>();
    public DbSet<SessionViewRecord> Views => Set<SessionViewRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var unit = modelBuilder.Entity<OrgUnit>();
        unit.ToTable("OrgUnits");
        unit.Property(u => u.Name).HasMaxLength(200);
        unit.HasIndex(u => u.Name).IsUnique();
        unit.HasOne<OrgUnit>().WithMany().HasForeignKey(u => u.ParentId).OnDelete(DeleteBehavior.Restrict);
        var seeded = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        unit.HasData(
            new OrgUnit { Id = HeadquartersId, Name = "Headquarters", CreatedAt = seeded },
            new OrgUnit { Id = FirstIntelligenceBattalionId, Name = "1st Intelligence Battalion", ParentId = HeadquartersId, CreatedAt = seeded });

        var review = modelBuilder.Entity<SessionReview>();
        review.ToTable("SessionReviews");
        review.HasKey(r => r.SessionId);
        review.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        review.Property(r => r.FlagReason).HasMaxLength(2000);
        review.HasIndex(r => r.Status);

        var comment = modelBuilder.Entity<ReviewComment>();
        comment.ToTable("ReviewComments");
        comment.Property(c => c.Text).HasMaxLength(4000);
        comment.HasIndex(c => new { c.SessionId, c.CreatedAt });

        var view = modelBuilder.Entity<SessionViewRecord>();
        view.ToTable("SessionViews");
        view.HasIndex(v => new { v.SessionId, v.ViewedAt });
    }
}

internal sealed class ReviewDesignTimeFactory() : DesignTimeFactory<ReviewDbContext>(ReviewDbContext.HistoryTable);
