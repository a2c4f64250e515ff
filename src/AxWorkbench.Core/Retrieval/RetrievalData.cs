using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Retrieval's tables on <see cref="WorkbenchDbContext"/>: libraries, their units and documents, the indexed documents and chunks, settings.</summary>
public static class RetrievalData
{
    extension(WorkbenchDbContext db)
    {
        public DbSet<Library> Libraries => db.Set<Library>();
        public DbSet<LibraryUnit> LibraryUnits => db.Set<LibraryUnit>();
        public DbSet<LibraryDocument> LibraryDocuments => db.Set<LibraryDocument>();
        public DbSet<RetrievalDocument> RetrievalDocuments => db.Set<RetrievalDocument>();
        public DbSet<RetrievalChunk> Chunks => db.Set<RetrievalChunk>();
        public DbSet<RetrievalSetting> RetrievalSettings => db.Set<RetrievalSetting>();
    }
}

internal sealed class LibraryConfiguration : IEntityTypeConfiguration<Library>
{
    public void Configure(EntityTypeBuilder<Library> e)
    {
        e.ToTable("RetrievalLibraries");
        e.Property(l => l.Name).HasMaxLength(200);
        e.HasIndex(l => l.Name).IsUnique();
        e.Property(l => l.OwnerId).HasMaxLength(450);
        e.Property(l => l.Ceiling).HasMaxLength(400);
        e.HasMany(l => l.Units).WithOne().HasForeignKey(u => u.LibraryId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(l => l.Documents).WithOne().HasForeignKey(d => d.LibraryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LibraryUnitConfiguration : IEntityTypeConfiguration<LibraryUnit>
{
    public void Configure(EntityTypeBuilder<LibraryUnit> e)
    {
        e.ToTable("RetrievalLibraryUnits");
        e.HasKey(u => new { u.LibraryId, u.Unit });
        e.Property(u => u.Unit).HasMaxLength(100);
    }
}

internal sealed class LibraryDocumentConfiguration : IEntityTypeConfiguration<LibraryDocument>
{
    public void Configure(EntityTypeBuilder<LibraryDocument> e)
    {
        e.ToTable("RetrievalLibraryDocuments");
        e.HasKey(d => new { d.LibraryId, d.DocumentId });
        e.HasIndex(d => d.DocumentId);
        e.Property(d => d.AddedBy).HasMaxLength(450);
    }
}

internal sealed class RetrievalDocumentConfiguration : IEntityTypeConfiguration<RetrievalDocument>
{
    public void Configure(EntityTypeBuilder<RetrievalDocument> e)
    {
        e.ToTable("RetrievalDocuments");
        e.HasKey(d => d.DocumentId);
        e.Property(d => d.Title).HasMaxLength(500);
        e.Property(d => d.Marking).HasMaxLength(400);
        e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class RetrievalChunkConfiguration : IEntityTypeConfiguration<RetrievalChunk>
{
    public void Configure(EntityTypeBuilder<RetrievalChunk> e)
    {
        e.ToTable("RetrievalChunks");
        e.HasIndex(c => new { c.DocumentId, c.Version, c.Ordinal });
        e.Property(c => c.Marking).HasMaxLength(400);
        e.Property(c => c.Language).HasMaxLength(8);
    }
}

internal sealed class RetrievalSettingConfiguration : IEntityTypeConfiguration<RetrievalSetting>
{
    public void Configure(EntityTypeBuilder<RetrievalSetting> e)
    {
        e.ToTable("RetrievalSettings");
        e.HasKey(s => s.Key);
        e.Property(s => s.Key).HasMaxLength(100);
    }
}

/// <summary>A named collection of documents: an owner, a marking ceiling (nothing above it may be added) and member units.</summary>
public sealed class Library
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string OwnerId { get; set; }

    /// <summary>The ceiling marking in <see cref="Markings.MarkingStorage"/> form.</summary>
    public required string Ceiling { get; set; }

    public DateTimeOffset CreatedUtc { get; set; }

    public List<LibraryUnit> Units { get; set; } = [];

    public List<LibraryDocument> Documents { get; set; } = [];
}

public sealed class LibraryUnit
{
    public Guid LibraryId { get; set; }

    public required string Unit { get; set; }
}

public sealed class LibraryDocument
{
    public Guid LibraryId { get; set; }

    public Guid DocumentId { get; set; }

    public required string AddedBy { get; set; }

    public DateTimeOffset AddedUtc { get; set; }
}

/// <summary>The document version whose chunks are indexed.</summary>
public sealed class RetrievalDocument
{
    public Guid DocumentId { get; set; }

    public int Version { get; set; }

    public required string Title { get; set; }

    public required string Marking { get; set; }

    public DateTimeOffset IndexedUtc { get; set; }

    /// <summary>Indexing while the embedding worker has not yet given this version's chunks their vectors (BM25 finds them already); Ready after.</summary>
    public RetrievalDocumentStatus Status { get; set; } = RetrievalDocumentStatus.Ready;
}

/// <summary>Whether a document's chunks have their vectors yet.</summary>
public enum RetrievalDocumentStatus
{
    /// <summary>Chunked and searchable by BM25; the embedding worker has not finished its vectors.</summary>
    Indexing,

    Ready,
}

/// <summary>A chunk: the source of truth for both indexes. <see cref="Vector"/> is the embedder's (little-endian float32), null when it cannot read the chunk's language.</summary>
public sealed class RetrievalChunk
{
    public long Id { get; set; }

    public Guid DocumentId { get; set; }

    public int Version { get; set; }

    public int Ordinal { get; set; }

    public int Page { get; set; }

    public int Start { get; set; }

    public int Length { get; set; }

    public required string Text { get; set; }

    public required string Marking { get; set; }

    public required string Language { get; set; }

    public int Tokens { get; set; }

    public byte[]? Vector { get; set; }

    /// <summary>True when the chunk's page was read by OCR (a scan), not from a text layer.</summary>
    public bool Ocr { get; set; }

    /// <summary>OCR's mean word confidence (0-1) for the chunk's page; null unless <see cref="Ocr"/>.</summary>
    public double? OcrConfidence { get; set; }
}

/// <summary>Key/value state of the retrieval feature, e.g. which embedder built the vectors.</summary>
public sealed class RetrievalSetting
{
    public required string Key { get; set; }

    public required string Value { get; set; }
}
