using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Review;

/// <summary>Review's tables on <see cref="WorkbenchDbContext"/>: units (a tree), review states, per-turn comments and "viewed by" records.</summary>
public static class ReviewData
{
    public const int HeadquartersId = 1;
    public const int FirstIntelligenceBattalionId = 2;

    extension(WorkbenchDbContext db)
    {
        public DbSet<OrgUnit> Units => db.Set<OrgUnit>();
        public DbSet<SessionReview> Reviews => db.Set<SessionReview>();
        public DbSet<ReviewComment> Comments => db.Set<ReviewComment>();
        public DbSet<SessionViewRecord> Views => db.Set<SessionViewRecord>();
    }
}

internal sealed class OrgUnitConfiguration : IEntityTypeConfiguration<OrgUnit>
{
    public void Configure(EntityTypeBuilder<OrgUnit> unit)
    {
        unit.ToTable("OrgUnits");
        unit.Property(u => u.Name).HasMaxLength(200);
        unit.HasIndex(u => u.Name).IsUnique();
        unit.HasOne<OrgUnit>().WithMany().HasForeignKey(u => u.ParentId).OnDelete(DeleteBehavior.Restrict);
        var seeded = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        unit.HasData(
            new OrgUnit { Id = ReviewData.HeadquartersId, Name = "Headquarters", CreatedAt = seeded },
            new OrgUnit { Id = ReviewData.FirstIntelligenceBattalionId, Name = "1st Intelligence Battalion", ParentId = ReviewData.HeadquartersId, CreatedAt = seeded });
    }
}

internal sealed class SessionReviewConfiguration : IEntityTypeConfiguration<SessionReview>
{
    public void Configure(EntityTypeBuilder<SessionReview> review)
    {
        review.ToTable("SessionReviews");
        review.HasKey(r => r.SessionId);
        review.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        review.Property(r => r.FlagReason).HasMaxLength(2000);
        review.HasIndex(r => r.Status);
    }
}

internal sealed class ReviewCommentConfiguration : IEntityTypeConfiguration<ReviewComment>
{
    public void Configure(EntityTypeBuilder<ReviewComment> comment)
    {
        comment.ToTable("ReviewComments");
        comment.Property(c => c.Text).HasMaxLength(4000);
        comment.HasIndex(c => new { c.SessionId, c.CreatedAt });
    }
}

internal sealed class SessionViewConfiguration : IEntityTypeConfiguration<SessionViewRecord>
{
    public void Configure(EntityTypeBuilder<SessionViewRecord> view)
    {
        view.ToTable("SessionViews");
        view.HasIndex(v => new { v.SessionId, v.ViewedAt });
    }
}
