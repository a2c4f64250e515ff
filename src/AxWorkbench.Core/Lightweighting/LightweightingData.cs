using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>The lab's tables on <see cref="WorkbenchDbContext"/>: quantizations, evaluations, promotions.</summary>
public static class LightweightingData
{
    extension(WorkbenchDbContext db)
    {
        public DbSet<QuantizationRecord> Quantizations => db.Set<QuantizationRecord>();
        public DbSet<EvaluationRecord> Evaluations => db.Set<EvaluationRecord>();
        public DbSet<PromotionRecord> Promotions => db.Set<PromotionRecord>();
    }
}

internal sealed class QuantizationConfiguration : IEntityTypeConfiguration<QuantizationRecord>
{
    public void Configure(EntityTypeBuilder<QuantizationRecord> e)
    {
        e.ToTable("LabQuantizations");
        e.HasIndex(q => q.SourcePath);
    }
}

internal sealed class EvaluationConfiguration : IEntityTypeConfiguration<EvaluationRecord>
{
    public void Configure(EntityTypeBuilder<EvaluationRecord> e)
    {
        e.ToTable("LabEvaluations");
        e.HasIndex(v => new { v.BasePath, v.VariantPath });
    }
}

internal sealed class PromotionConfiguration : IEntityTypeConfiguration<PromotionRecord>
{
    public void Configure(EntityTypeBuilder<PromotionRecord> e) => e.ToTable("LabPromotions");
}

/// <summary>One finished quantization: what went in, what came out, how long it took.</summary>
public sealed class QuantizationRecord
{
    public long Id { get; set; }
    public required string SourcePath { get; set; }
    public required string SourceSha256 { get; set; }
    public long SourceBytes { get; set; }
    public required string TargetType { get; set; }
    public required string OutputPath { get; set; }
    public long OutputBytes { get; set; }
    public double DurationMs { get; set; }
    public required string RequestedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
}

/// <summary>One evaluation of a variant against its source, with everything needed to reproduce it.</summary>
public sealed class EvaluationRecord
{
    public long Id { get; set; }
    public required string BasePath { get; set; }
    public required string VariantPath { get; set; }
    public required string VariantFileType { get; set; }
    public required string TextName { get; set; }
    public required string TextSha256 { get; set; }
    public int Windows { get; set; }
    public int WindowTokens { get; set; }
    public int TextTokens { get; set; }
    public int ScoredTokens { get; set; }
    public double BasePerplexity { get; set; }
    public double VariantPerplexity { get; set; }
    public double MeanKl { get; set; }
    public double P99Kl { get; set; }
    public double MaxKl { get; set; }
    public double Top1Agreement { get; set; }
    public double BaseTokensPerSecond { get; set; }
    public double VariantTokensPerSecond { get; set; }
    public long BaseMemoryBytes { get; set; }
    public long VariantMemoryBytes { get; set; }
    public long BaseFileBytes { get; set; }
    public long VariantFileBytes { get; set; }
    public required string RequestedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
}

/// <summary>One promotion: which file analysts were switched to, by whom, and how it went.</summary>
public sealed class PromotionRecord
{
    public long Id { get; set; }
    public string? FromPath { get; set; }
    public required string ToPath { get; set; }
    public required string PromotedBy { get; set; }
    public required string Outcome { get; set; }
    public string? Message { get; set; }
    public DateTime CreatedUtc { get; set; }
}
