using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.Conversations;

/// <summary>Conversations' tables on <see cref="WorkbenchDbContext"/>: sessions, message trees, personas, role limits,
/// and grounded chat's session libraries and answer records.</summary>
public static class ConversationsData
{
    public static readonly Guid BlufPersonaId = new("6f1c2a51-0b1e-4c55-9a57-1a0000000001");
    public static readonly Guid TranslatorPersonaId = new("6f1c2a51-0b1e-4c55-9a57-1a0000000002");
    public static readonly Guid SummaryPersonaId = new("6f1c2a51-0b1e-4c55-9a57-1a0000000003");

    extension(WorkbenchDbContext db)
    {
        public DbSet<ChatSession> Sessions => db.Set<ChatSession>();
        public DbSet<ChatMessageRecord> Messages => db.Set<ChatMessageRecord>();
        public DbSet<Persona> Personas => db.Set<Persona>();
        public DbSet<RoleSamplingLimit> RoleLimits => db.Set<RoleSamplingLimit>();
        public DbSet<SessionLibrary> SessionLibraries => db.Set<SessionLibrary>();
        public DbSet<GroundedAnswerRecord> GroundedAnswers => db.Set<GroundedAnswerRecord>();
    }

    internal static readonly string UnclassifiedStorage = MarkingStorage.ToStorage(Marking.Unclassified);

    /// <summary>
    /// The start of every stored marking of <paramref name="level"/> ("Secret|"): sessions and messages are filtered by
    /// level with <c>s.MarkingStorage.StartsWith(LevelPrefix(level))</c>, which the database answers as a prefix match.
    /// </summary>
    public static string LevelPrefix(ClassificationLevel level) => level + "|";

    internal static readonly DateTime Seeded = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
}

internal sealed class ChatSessionConfiguration : IEntityTypeConfiguration<ChatSession>
{
    public void Configure(EntityTypeBuilder<ChatSession> session)
    {
        session.ToTable("ChatSessions");
        session.Ignore(s => s.Marking);
        session.Property(s => s.OwnerId).HasMaxLength(450);
        session.Property(s => s.Title).HasMaxLength(200);
        session.Property(s => s.MarkingStorage).HasMaxLength(500);
        session.HasIndex(s => new { s.OwnerId, s.UpdatedAt });
    }
}

internal sealed class ChatMessageConfiguration : IEntityTypeConfiguration<ChatMessageRecord>
{
    public void Configure(EntityTypeBuilder<ChatMessageRecord> message)
    {
        message.ToTable("ChatMessages");
        message.Ignore(m => m.Marking);
        message.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
        message.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        message.Property(m => m.MarkingStorage).HasMaxLength(500);
        message.HasOne<ChatSession>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Restrict);
        message.HasOne<ChatMessageRecord>().WithMany().HasForeignKey(m => m.ParentId).OnDelete(DeleteBehavior.Restrict);
        message.HasIndex(m => new { m.SessionId, m.Sequence });
        message.HasIndex(m => m.Status);
        message.Property(m => m.GeneratingNode).HasMaxLength(64);
        message.HasIndex(m => m.LeaseExpiresAt);
    }
}

internal sealed class PersonaConfiguration : IEntityTypeConfiguration<Persona>
{
    public void Configure(EntityTypeBuilder<Persona> persona)
    {
        persona.ToTable("ChatPersonas");
        persona.Property(p => p.Name).HasMaxLength(100);
        persona.HasIndex(p => p.Name).IsUnique();
        var seeded = ConversationsData.Seeded;
        persona.HasData(
            new Persona
            {
                Id = ConversationsData.BlufPersonaId, Name = "BLUF brief writer", CreatedAt = seeded, UpdatedAt = seeded,
                SystemPrompt = "You write briefs for busy commanders. Start with the bottom line up front (BLUF) in one or two sentences, then the key facts as short bullets, then what is unknown. Never invent sources.",
            },
            new Persona
            {
                Id = ConversationsData.TranslatorPersonaId, Name = "Korean↔English translator", CreatedAt = seeded, UpdatedAt = seeded,
                SystemPrompt = "You translate between Korean and English. Translate the user's text into the other language faithfully, keep military terms, ranks and unit names precise, and keep portion marks unchanged. Output only the translation.",
            },
            new Persona
            {
                Id = ConversationsData.SummaryPersonaId, Name = "Intelligence summary", CreatedAt = seeded, UpdatedAt = seeded,
                SystemPrompt = "You write intelligence summaries: who, what, where, when, and assessed significance, with confidence levels (low, moderate, high) stated for each judgement. Separate facts from assessments.",
            });
    }
}

internal sealed class RoleSamplingLimitConfiguration : IEntityTypeConfiguration<RoleSamplingLimit>
{
    public void Configure(EntityTypeBuilder<RoleSamplingLimit> limit)
    {
        limit.ToTable("ChatRoleLimits");
        limit.HasKey(l => l.Role);
        limit.Property(l => l.Role).HasMaxLength(64);
        var seeded = ConversationsData.Seeded;
        limit.HasData(
            new RoleSamplingLimit { Role = Roles.Analyst, MaxTemperature = 1.0f, MaxTopP = 1.0f, MaxOutputTokens = 1024, UpdatedAt = seeded },
            new RoleSamplingLimit { Role = Roles.Supervisor, MaxTemperature = 1.5f, MaxTopP = 1.0f, MaxOutputTokens = 2048, UpdatedAt = seeded },
            new RoleSamplingLimit { Role = Roles.Admin, MaxTemperature = 2.0f, MaxTopP = 1.0f, MaxOutputTokens = 4096, UpdatedAt = seeded });
    }
}

/// <summary>Grounded chat's tables keep their names from when grounded chat was its own feature ("Rag").</summary>
internal sealed class SessionLibraryConfiguration : IEntityTypeConfiguration<SessionLibrary>
{
    public void Configure(EntityTypeBuilder<SessionLibrary> e)
    {
        e.ToTable("RagSessionLibraries");
        e.HasKey(l => new { l.SessionId, l.LibraryId });
    }
}

internal sealed class GroundedAnswerConfiguration : IEntityTypeConfiguration<GroundedAnswerRecord>
{
    public void Configure(EntityTypeBuilder<GroundedAnswerRecord> e)
    {
        e.ToTable("RagGroundedAnswers");
        e.HasKey(a => a.AnswerId);
        e.HasIndex(a => a.SessionId);
    }
}
