using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Conversations;

/// <summary>Chat sessions, their message trees, personas and role sampling limits (own migrations, shared database).</summary>
public sealed class ConversationsDbContext(DbContextOptions<ConversationsDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__Migrations_Conversations";

    public static readonly Guid BlufPersonaId = new("6f1c2a51-0b1e-4c55-9a57-1a0000000001");
    public static readonly Guid TranslatorPersonaId = new("6f1c2a51-0b1e-4c55-9a57-1a0000000002");
    public static readonly Guid SummaryPersonaId = new("6f1c2a51-0b1e-4c55-9a57-1a0000000003");

    public DbSet<ChatSession> Sessions => Set<ChatSession>();
    public DbSet<ChatMessageRecord> Messages => Set<ChatMessageRecord>();
    public DbSet<Persona> Personas => Set<Persona>();
    public DbSet<RoleSamplingLimit> RoleLimits => Set<RoleSamplingLimit>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var session = modelBuilder.Entity<ChatSession>();
        session.ToTable("ChatSessions");
        session.Ignore(s => s.Marking);
        session.Property(s => s.OwnerId).HasMaxLength(450);
        session.Property(s => s.Title).HasMaxLength(200);
        session.HasIndex(s => new { s.OwnerId, s.UpdatedAt });

        var message = modelBuilder.Entity<ChatMessageRecord>();
        message.ToTable("ChatMessages");
        message.Ignore(m => m.Marking);
        message.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
        message.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        message.HasOne<ChatSession>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Restrict);
        message.HasOne<ChatMessageRecord>().WithMany().HasForeignKey(m => m.ParentId).OnDelete(DeleteBehavior.Restrict);
        message.HasIndex(m => new { m.SessionId, m.Sequence });
        message.HasIndex(m => m.Status);

        var persona = modelBuilder.Entity<Persona>();
        persona.ToTable("ChatPersonas");
        persona.Property(p => p.Name).HasMaxLength(100);
        persona.HasIndex(p => p.Name).IsUnique();
        var seeded = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        persona.HasData(
            new Persona
            {
                Id = BlufPersonaId, Name = "BLUF brief writer", CreatedAt = seeded, UpdatedAt = seeded,
                SystemPrompt = "You write briefs for busy commanders. Start with the bottom line up front (BLUF) in one or two sentences, then the key facts as short bullets, then what is unknown. Never invent sources.",
            },
            new Persona
            {
                Id = TranslatorPersonaId, Name = "Korean↔English translator", CreatedAt = seeded, UpdatedAt = seeded,
                SystemPrompt = "You translate between Korean and English. Translate the user's text into the other language faithfully, keep military terms, ranks and unit names precise, and keep portion marks unchanged. Output only the translation.",
            },
            new Persona
            {
                Id = SummaryPersonaId, Name = "Intelligence summary", CreatedAt = seeded, UpdatedAt = seeded,
                SystemPrompt = "You write intelligence summaries: who, what, where, when, and assessed significance, with confidence levels (low, moderate, high) stated for each judgement. Separate facts from assessments.",
            });

        var limit = modelBuilder.Entity<RoleSamplingLimit>();
        limit.ToTable("ChatRoleLimits");
        limit.HasKey(l => l.Role);
        limit.Property(l => l.Role).HasMaxLength(64);
        limit.HasData(
            new RoleSamplingLimit { Role = Roles.Analyst, MaxTemperature = 1.0f, MaxTopP = 1.0f, MaxOutputTokens = 1024, UpdatedAt = seeded },
            new RoleSamplingLimit { Role = Roles.Supervisor, MaxTemperature = 1.5f, MaxTopP = 1.0f, MaxOutputTokens = 2048, UpdatedAt = seeded },
            new RoleSamplingLimit { Role = Roles.Admin, MaxTemperature = 2.0f, MaxTopP = 1.0f, MaxOutputTokens = 4096, UpdatedAt = seeded });
    }
}

internal sealed class ConversationsDesignTimeFactory() : DesignTimeFactory<ConversationsDbContext>(ConversationsDbContext.HistoryTable);
