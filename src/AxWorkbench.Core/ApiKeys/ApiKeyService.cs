using System.Security.Cryptography;
using System.Text;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.ApiKeys;

/// <summary>A key operation was refused; the message says why in words an operator can act on.</summary>
public sealed class ApiKeyException(string message) : Exception(message);

/// <summary>A key as listed (never its secret).</summary>
public sealed record ApiKeySummary(
    string Name, string KeyPrefix, string Clearance, string Unit, DateTime CreatedAt, string CreatedBy,
    DateTime? ExpiresAt, DateTime? RevokedAt, int? MaxTokens, int? RequestsPerMinute)
{
    public string State(DateTime now) => RevokedAt is not null ? "revoked" : ExpiresAt <= now ? "expired" : "active";
}

/// <summary>Why a presented key was refused.</summary>
public enum ApiKeyRefusal { Missing, Unknown, Revoked, Expired }

/// <summary>The outcome of checking a presented key: the key's service account, or the reason it was refused.</summary>
public sealed record ApiKeyCheck(ApiKeyAccount? Account, ApiKeyRefusal? Refusal);

/// <summary>A usable key as the endpoint sees it: who (for audit and fairness), its ceiling and its limits.</summary>
public sealed record ApiKeyAccount(string Name, Marking Ceiling, WorkbenchActor Actor, int? MaxTokens, int? RequestsPerMinute)
{
    /// <summary>The name in audit records and in the engine's round-robin: "apikey:NAME".</summary>
    public string AuditName => Actor.AuditName;
}

/// <summary>
/// API keys as service accounts: made (the secret is returned once, stored as its SHA-256), listed, revoked, and
/// checked on each call. The secret is 256 random bits, so a plain SHA-256 (no salt, no stretching) is enough: it
/// cannot be guessed, and the lookup by hash is followed by a constant-time comparison. Making and revoking are
/// audited first (<see cref="AuditUnavailableException"/> refuses the change).
/// </summary>
public sealed class ApiKeyService(IDbContextFactory<WorkbenchDbContext> contexts, IMarkingScheme scheme, IAuditLog audit, TimeProvider clock)
{
    public const string SecretPrefix = "axk_";

    /// <summary>Makes a key. <paramref name="clearance"/> is a banner line in the site's scheme; returns the secret (shown once).</summary>
    public async Task<(ApiKeySummary Key, string Secret)> CreateAsync(
        WorkbenchActor by, string name, string clearance, string unit, DateTime? expiresAt = null,
        int? maxTokens = null, int? requestsPerMinute = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(by);
        name = (name ?? "").Trim();
        if (name.Length is 0 or > 100 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ApiKeyException($"Key name '{name}' is not valid: use 1 to 100 characters without spaces.");
        }
        var ceiling = ParseClearance(clearance);
        var now = clock.GetUtcNow().UtcDateTime;
        if (expiresAt is { } expires && expires.ToUniversalTime() <= now)
        {
            throw new ApiKeyException($"The expiry {expires:yyyy-MM-dd HH:mm} UTC is already past.");
        }
        if (maxTokens is < 1 || requestsPerMinute is < 1)
        {
            throw new ApiKeyException("--max-tokens and --requests-per-minute must be at least 1.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.ApiKeys().AnyAsync(k => k.Name == name, cancellationToken))
        {
            throw new ApiKeyException($"A key named '{name}' already exists (revoked keys keep their name).");
        }
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Id = Guid.NewGuid(),
            Name = name,
            KeyHash = Hash(secret),
            KeyPrefix = secret[..12],
            Clearance = MarkingStorage.ToStorage(ceiling),
            Unit = unit?.Trim() ?? "",
            CreatedAt = now,
            CreatedBy = by.AuditName,
            ExpiresAt = expiresAt?.ToUniversalTime(),
            MaxTokens = maxTokens,
            RequestsPerMinute = requestsPerMinute,
        };
        await audit.WriteAsync(AuditEvent.For(by, ApiKeyAuditActions.KeyCreated, name, details: new
        {
            clearance = scheme.FormatBanner(ceiling), unit = key.Unit, expires = key.ExpiresAt, prefix = key.KeyPrefix, maxTokens, requestsPerMinute,
        }), cancellationToken);
        db.ApiKeys().Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return (Summarize(key), secret);
    }

    public async Task<IReadOnlyList<ApiKeySummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys().AsNoTracking().ToListAsync(cancellationToken);
        return [.. keys.OrderBy(k => k.Name, StringComparer.Ordinal).Select(Summarize)];
    }

    /// <summary>Revokes a key at once: its next call is refused.</summary>
    public async Task RevokeAsync(WorkbenchActor by, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys().SingleOrDefaultAsync(k => k.Name == name, cancellationToken)
            ?? throw new ApiKeyException($"There is no key named '{name}'.");
        if (key.RevokedAt is not null)
        {
            throw new ApiKeyException($"The key '{name}' was already revoked on {key.RevokedAt:yyyy-MM-dd HH:mm} UTC.");
        }
        await audit.WriteAsync(AuditEvent.For(by, ApiKeyAuditActions.KeyRevoked, name), cancellationToken);
        key.RevokedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Checks a presented secret (null or empty: <see cref="ApiKeyRefusal.Missing"/>).</summary>
    public async Task<ApiKeyCheck> CheckAsync(string? secret, string? clientAddress, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return new ApiKeyCheck(null, ApiKeyRefusal.Missing);
        }
        var hash = Hash(secret.Trim());
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys().AsNoTracking().SingleOrDefaultAsync(k => k.KeyHash == hash, cancellationToken);
        if (key is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key.KeyHash), Encoding.ASCII.GetBytes(hash)))
        {
            return new ApiKeyCheck(null, ApiKeyRefusal.Unknown);
        }
        var account = ToAccount(key, clientAddress);
        if (key.RevokedAt is not null)
        {
            return new ApiKeyCheck(account, ApiKeyRefusal.Revoked);
        }
        return key.ExpiresAt <= clock.GetUtcNow().UtcDateTime
            ? new ApiKeyCheck(account, ApiKeyRefusal.Expired)
            : new ApiKeyCheck(account, null);
    }

    /// <summary>A banner line in the site's scheme as a marking; <see cref="ApiKeyException"/> names a bad one.</summary>
    public Marking ParseClearance(string clearance)
    {
        try
        {
            return scheme.ParseBanner((clearance ?? "").Trim());
        }
        catch (MarkingFormatException ex)
        {
            throw new ApiKeyException($"Clearance '{clearance}' is not a valid {scheme.Kind} marking: {ex.Message}");
        }
    }

    public string FormatMarking(Marking marking) => scheme.FormatBanner(marking);

    /// <summary>Lower-case hex SHA-256 of the secret's UTF-8 bytes.</summary>
    internal static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private ApiKeySummary Summarize(ApiKey k) => new(
        k.Name, k.KeyPrefix, scheme.FormatBanner(MarkingStorage.FromStorage(k.Clearance)), k.Unit, k.CreatedAt, k.CreatedBy,
        k.ExpiresAt, k.RevokedAt, k.MaxTokens, k.RequestsPerMinute);

    private ApiKeyAccount ToAccount(ApiKey key, string? clientAddress)
    {
        var ceiling = MarkingStorage.FromStorage(key.Clearance);
        // A key's ceiling holds its caveats as authorizations; its nationality is the site's (NOFORN on a US site, KOR on a ROK site).
        var nationality = scheme.Kind == MarkingSchemeKind.Rok ? "KOR" : "USA";
        var authorization = new UserAuthorization(ceiling.Level, ceiling.Caveats.ToHashSet(StringComparer.Ordinal), nationality);
        var actor = new WorkbenchActor($"apikey:{key.Name}", $"apikey:{key.Name}", [], authorization, key.Unit, clientAddress, key.Name);
        return new ApiKeyAccount(key.Name, ceiling, actor, key.MaxTokens, key.RequestsPerMinute);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
