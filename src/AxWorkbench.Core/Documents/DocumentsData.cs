using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Summaries;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Documents;

public enum DocumentStatus
{
    Parsing,
    Ready,
    Failed,
}

/// <summary>An uploaded document. The original is kept, content-addressed by <see cref="Sha256"/>, under the data folder.</summary>
public sealed class DocumentRecord
{
    public Guid Id { get; set; }

    public required string FileName { get; set; }

    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>The format decided from the bytes ("Pdf", "Docx", ...), once parsed.</summary>
    public string? Kind { get; set; }

    /// <summary>The uploader's declared marking, in <see cref="MarkingStorage"/> form.</summary>
    public required string Marking { get; set; }

    public DocumentStatus Status { get; set; }

    /// <summary>Why parsing failed or the upload was refused, in words a user can act on.</summary>
    public string? FailureReason { get; set; }

    public required string Uploader { get; set; }

    /// <summary>The library named at import; recorded until libraries exist.</summary>
    public string? Library { get; set; }

    public int PageCount { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ParsedAt { get; set; }

    /// <summary>Set when the document was deleted (soft delete: the record stays for the audit trail, hidden everywhere).</summary>
    public DateTimeOffset? DeletedAt { get; set; }

    public string? DeletedBy { get; set; }

    public List<DocumentPage> Pages { get; set; } = [];
}

/// <summary>A page (or section) of extracted text, with where the text came from (text layer, OCR or pdftotext) and OCR's mean confidence.</summary>
public sealed class DocumentPage
{
    public Guid DocumentId { get; set; }

    public int Number { get; set; }

    public required string Text { get; set; }

    public PageSource Source { get; set; } = PageSource.Text;

    /// <summary>OCR's mean word confidence, 0-1 (OCR pages only).</summary>
    public double? Confidence { get; set; }
}

/// <summary>Documents' tables on <see cref="WorkbenchDbContext"/>: uploads, their pages, summaries and summary chunks.</summary>
public static class DocumentsData
{
    extension(WorkbenchDbContext db)
    {
        public DbSet<DocumentRecord> Documents => db.Set<DocumentRecord>();
        public DbSet<DocumentPage> DocumentPages => db.Set<DocumentPage>();
        public DbSet<SummaryRecord> Summaries => db.Set<SummaryRecord>();
        public DbSet<SummaryChunkRecord> SummaryChunks => db.Set<SummaryChunkRecord>();
    }
}

internal sealed class DocumentConfiguration : IEntityTypeConfiguration<DocumentRecord>
{
    public void Configure(EntityTypeBuilder<DocumentRecord> document)
    {
        document.ToTable("Documents");
        document.HasKey(d => d.Id);
        document.Property(d => d.FileName).HasMaxLength(260);
        document.Property(d => d.Sha256).HasMaxLength(64);
        document.Property(d => d.Kind).HasMaxLength(16);
        document.Property(d => d.Marking).HasMaxLength(500);
        document.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        document.Property(d => d.FailureReason).HasMaxLength(2000);
        document.Property(d => d.Uploader).HasMaxLength(256);
        document.Property(d => d.Library).HasMaxLength(200);
        // SQLite cannot order by DateTimeOffset; store UTC ticks.
        document.Property(d => d.CreatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        document.Property(d => d.ParsedAt).HasConversion(v => v == null ? (long?)null : v.Value.UtcTicks, v => v == null ? null : new DateTimeOffset(v.Value, TimeSpan.Zero));
        document.Property(d => d.DeletedAt).HasConversion(v => v == null ? (long?)null : v.Value.UtcTicks, v => v == null ? null : new DateTimeOffset(v.Value, TimeSpan.Zero));
        document.Property(d => d.DeletedBy).HasMaxLength(256);
        document.HasIndex(d => d.Sha256);
        document.HasIndex(d => d.Uploader);
        document.HasMany(d => d.Pages).WithOne().HasForeignKey(p => p.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DocumentPageConfiguration : IEntityTypeConfiguration<DocumentPage>
{
    public void Configure(EntityTypeBuilder<DocumentPage> page)
    {
        page.ToTable("DocumentPages");
        page.HasKey(p => new { p.DocumentId, p.Number });
        page.Property(p => p.Source).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class SummaryConfiguration : IEntityTypeConfiguration<SummaryRecord>
{
    public void Configure(EntityTypeBuilder<SummaryRecord> summary)
    {
        summary.ToTable("DocumentSummaries");
        summary.HasKey(s => s.Id);
        summary.Property(s => s.Mode).HasConversion<string>().HasMaxLength(16);
        summary.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        summary.Property(s => s.Marking).HasMaxLength(500);
        summary.Property(s => s.RequestedBy).HasMaxLength(256);
        summary.Property(s => s.Error).HasMaxLength(2000);
        summary.Property(s => s.StartedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        summary.Property(s => s.FinishedAt).HasConversion(v => v == null ? (long?)null : v.Value.UtcTicks, v => v == null ? null : new DateTimeOffset(v.Value, TimeSpan.Zero));
        summary.HasIndex(s => new { s.DocumentId, s.StartedAt });
        summary.HasIndex(s => s.Status);
        summary.HasOne<DocumentRecord>().WithMany().HasForeignKey(s => s.DocumentId).OnDelete(DeleteBehavior.Cascade);
        summary.HasMany(s => s.Chunks).WithOne().HasForeignKey(c => c.SummaryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SummaryChunkConfiguration : IEntityTypeConfiguration<SummaryChunkRecord>
{
    public void Configure(EntityTypeBuilder<SummaryChunkRecord> chunk)
    {
        chunk.ToTable("DocumentSummaryChunks");
        chunk.HasKey(c => new { c.SummaryId, c.Index });
    }
}
