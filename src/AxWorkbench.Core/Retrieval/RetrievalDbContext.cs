using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Retrieval's own tables on the shared database (its own migrations, history table "__Migrations_Retrieval").</summary>
public sealed class RetrievalDbContext(DbContextOptions<RetrievalDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__Migrations_Retrieval";

    public DbSet<Library> Libraries => Set<Library>();

    public DbSet<LibraryUnit> LibraryUnits => Set<LibraryUnit>();

    public DbSet<LibraryDocument> LibraryDocuments => Set<LibraryDocument>();

    public DbSet<RetrievalDocument> Documents => Set<RetrievalDocument>();

    public DbSet<RetrievalChunk> Chunks => Set<RetrievalChunk>();

    public DbSet<RetrievalSetting> Settings => Set<RetrievalSetting>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Library>(e =>
        {
            e.ToTable("RetrievalLibraries");
            e.Property(l => l.Name).HasMaxLength(200);
            e.HasIndex(l => l.Name).IsUnique();
            e.Property(l => l.OwnerId).HasMaxLength(450);
            e.Property(l => l.Ceiling).HasMaxLength(400);
            e.HasMany(l => l.Units).WithOne().HasForeignKey(u => u.LibraryId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(l => l.Documents).WithOne().HasForeignKey(d => d.LibraryId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LibraryUnit>(e =>
        {
            e.ToTable("RetrievalLibraryUnits");
            e.HasKey(u => new { u.LibraryId, u.Unit });
            e.Property(u => u.Unit).HasMaxLength(100);
        });
        modelBuilder.Entity<LibraryDocument>(e =>
        {
            e.ToTable("RetrievalLibraryDocuments");
            e.HasKey(d => new { d.LibraryId, d.DocumentId });
            e.HasIndex(d => d.DocumentId);
            e.Property(d => d.AddedBy).HasMaxLength(450);
        });
        modelBuilder.Entity<RetrievalDocument>(e =>
        {
            e.ToTable("RetrievalDocuments");
            e.HasKey(d => d.DocumentId);
            e.Property(d => d.Title).HasMaxLength(500);
            e.Property(d => d.Marking).HasMaxLength(400);
        });
        modelBuilder.Entity<RetrievalChunk>(e =>
        {
            e.ToTable("RetrievalChunks");
            e.HasIndex(c => new { c.DocumentId, c.Version, c.Ordinal });
            e.Property(c => c.Marking).HasMaxLength(400);
            e.Property(c => c.Language).HasMaxLength(8);
        });
        modelBuilder.Entity<RetrievalSetting>(e =>
        {
            e.ToTable("RetrievalSettings");
            e.HasKey(s => s.Key);
            e.Property(s => s.Key).HasMaxLength(100);
        });
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
}

/// <summary>Key/value state of the retrieval feature, e.g. which embedder built the vectors.</summary>
public sealed class RetrievalSetting
{
    public required string Key { get; set; }

    public required string Value { get; set; }
}

internal sealed class RetrievalDesignTimeFactory() : DesignTimeFactory<RetrievalDbContext>(RetrievalDbContext.HistoryTable);
