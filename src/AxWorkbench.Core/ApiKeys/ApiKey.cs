using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AxWorkbench.Core.ApiKeys;

/// <summary>
/// A service account that calls the workbench's <c>/v1</c> endpoint: a name, a clearance ceiling, a unit, and the
/// SHA-256 of its secret (the secret itself is shown once when the key is made and never stored).
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole secret ("axk_…").</summary>
    public required string KeyHash { get; set; }

    /// <summary>The secret's first characters, so an operator can tell keys apart without the secret.</summary>
    public required string KeyPrefix { get; set; }

    /// <summary>The highest marking this key may send or receive, in <see cref="Markings.MarkingStorage"/> form.</summary>
    public required string Clearance { get; set; }

    public string Unit { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    /// <summary>UTC; null = never.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>UTC; null while the key is usable.</summary>
    public DateTime? RevokedAt { get; set; }

    /// <summary>Most output tokens per request for this key; null = the site's Api:MaxTokens.</summary>
    public int? MaxTokens { get; set; }

    /// <summary>Requests per minute for this key; null = the site's Api:RequestsPerMinute.</summary>
    public int? RequestsPerMinute { get; set; }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.ToTable("ApiKeys");
        key.Property(k => k.Name).HasMaxLength(100);
        key.HasIndex(k => k.Name).IsUnique();
        key.Property(k => k.KeyHash).HasMaxLength(64);
        key.HasIndex(k => k.KeyHash).IsUnique();
        key.Property(k => k.KeyPrefix).HasMaxLength(16);
        key.Property(k => k.Clearance).HasMaxLength(500);
        key.Property(k => k.Unit).HasMaxLength(200);
        key.Property(k => k.CreatedBy).HasMaxLength(200);
    }
}

public static class ApiKeysData
{
    public static DbSet<ApiKey> ApiKeys(this WorkbenchDbContext db) => (db ?? throw new ArgumentNullException(nameof(db))).Set<ApiKey>();
}
