using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Rag;

/// <summary>The libraries an analyst picked for a chat session: its questions are answered from them.</summary>
public sealed class SessionLibrary
{
    public Guid SessionId { get; set; }

    public Guid LibraryId { get; set; }
}

/// <summary>
/// What a grounded answer was built from and how its citations checked out: the sources placed in the prompt (JSON),
/// the citations (JSON, once the answer is complete) and the reproducibility record (JSON).
/// </summary>
public sealed class GroundedAnswerRecord
{
    public Guid AnswerId { get; set; }

    public Guid SessionId { get; set; }

    public required string SourcesJson { get; set; }

    public string? CitationsJson { get; set; }

    public required string ReproducibilityJson { get; set; }

    public bool NothingFound { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>Grounded chat's own tables on the shared database (history table "__Migrations_Rag").</summary>
public sealed class RagDbContext(DbContextOptions<RagDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__Migrations_Rag";

    public DbSet<SessionLibrary> SessionLibraries => Set<SessionLibrary>();

    public DbSet<GroundedAnswerRecord> GroundedAnswers => Set<GroundedAnswerRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SessionLibrary>(e =>
        {
            e.ToTable("RagSessionLibraries");
            e.HasKey(l => new { l.SessionId, l.LibraryId });
        });
        modelBuilder.Entity<GroundedAnswerRecord>(e =>
        {
            e.ToTable("RagGroundedAnswers");
            e.HasKey(a => a.AnswerId);
            e.HasIndex(a => a.SessionId);
        });
    }
}

internal sealed class RagDesignTimeFactory() : DesignTimeFactory<RagDbContext>(RagDbContext.HistoryTable);
