using AxWorkbench.Core.Data;
using AxWorkbench.Core.Actors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Personas (system prompts an administrator curates) and the sampling limits of each role, and the sampling a turn
/// gets: the user's request with defaults filled in, clamped to the most permissive limit among their roles.
/// </summary>
public sealed class ChatSettings(IDbContextFactory<WorkbenchDbContext> contextFactory, IOptions<ConversationOptions> options)
{
    /// <summary>Defaults filled in, then clamped to the most permissive limit among the actor's roles; nonsense is refused.</summary>
    public async Task<EffectiveSampling> ResolveSamplingAsync(WorkbenchActor actor, SamplingRequest? sampling, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await SamplingForAsync(db, actor, sampling, cancellationToken);
    }

    internal async Task<EffectiveSampling> SamplingForAsync(WorkbenchDbContext db, WorkbenchActor actor, SamplingRequest? sampling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var settings = options.Value;
        var requested = sampling ?? new SamplingRequest();
        if (requested.Temperature is { } t && (float.IsNaN(t) || t < 0))
        {
            throw new ConversationLimitException("Temperature must be 0 or more.");
        }

        if (requested.TopP is { } p && (float.IsNaN(p) || p <= 0 || p > 1))
        {
            throw new ConversationLimitException("Top-p must be more than 0 and at most 1.");
        }

        if (requested.MaxTokens is < 1)
        {
            throw new ConversationLimitException("Max tokens must be at least 1.");
        }

        var roles = actor.Roles.Count > 0 ? actor.Roles : [Roles.Analyst];
        var limits = await db.RoleLimits.AsNoTracking().Where(l => roles.Contains(l.Role)).ToListAsync(cancellationToken);
        if (limits.Count == 0)
        {
            limits = await db.RoleLimits.AsNoTracking().Where(l => l.Role == Roles.Analyst).ToListAsync(cancellationToken);
        }

        var maxTemperature = limits.Count > 0 ? limits.Max(l => l.MaxTemperature) : settings.DefaultTemperature;
        var maxTopP = limits.Count > 0 ? limits.Max(l => l.MaxTopP) : settings.DefaultTopP;
        var maxTokens = limits.Count > 0 ? limits.Max(l => l.MaxOutputTokens) : settings.DefaultMaxTokens;
        var temperature = requested.Temperature ?? settings.DefaultTemperature;
        var topP = requested.TopP ?? settings.DefaultTopP;
        var tokens = requested.MaxTokens ?? settings.DefaultMaxTokens;
        var clamped = temperature > maxTemperature || topP > maxTopP || tokens > maxTokens;
        return new EffectiveSampling(
            Math.Min(temperature, maxTemperature), Math.Min(topP, maxTopP), Math.Min(tokens, maxTokens),
            requested.Seed ?? Random.Shared.NextInt64(1, int.MaxValue), clamped);
    }

    public async Task<IReadOnlyList<Persona>> ListPersonasAsync(bool includeRetired, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Personas.AsNoTracking().Where(p => includeRetired || !p.Retired).OrderBy(p => p.Name).ToListAsync(cancellationToken);
    }

    /// <summary>Adds (id null) or updates a persona. Admin only.</summary>
    public async Task<Persona> SavePersonaAsync(WorkbenchActor actor, Guid? id, string name, string systemPrompt, bool retired, CancellationToken cancellationToken)
    {
        RequireAdmin(actor);
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100)
        {
            throw new ConversationOperationException("A persona needs a name of 1 to 100 characters.");
        }

        if (string.IsNullOrWhiteSpace(systemPrompt) || systemPrompt.Length > 8000)
        {
            throw new ConversationOperationException("A persona needs a system prompt of 1 to 8,000 characters.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var trimmed = name.Trim();
        if (await db.Personas.AnyAsync(p => p.Name == trimmed && p.Id != id, cancellationToken))
        {
            throw new ConversationOperationException($"A persona named '{trimmed}' already exists; choose another name.");
        }

        var now = DateTime.UtcNow;
        Persona persona;
        if (id is { } existing)
        {
            persona = await db.Personas.FirstOrDefaultAsync(p => p.Id == existing, cancellationToken) ?? throw new ConversationNotFoundException(existing);
        }
        else
        {
            persona = new Persona { Id = Guid.CreateVersion7(), Name = trimmed, SystemPrompt = systemPrompt, CreatedAt = now };
            db.Personas.Add(persona);
        }

        persona.Name = trimmed;
        persona.SystemPrompt = systemPrompt;
        persona.Retired = retired;
        persona.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return persona;
    }

    public async Task<IReadOnlyList<RoleSamplingLimit>> ListRoleLimitsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.RoleLimits.AsNoTracking().OrderBy(l => l.Role).ToListAsync(cancellationToken);
    }

    /// <summary>Sets a role's sampling limits. Admin only.</summary>
    public async Task SaveRoleLimitAsync(WorkbenchActor actor, string role, float maxTemperature, float maxTopP, int maxOutputTokens, CancellationToken cancellationToken)
    {
        RequireAdmin(actor);
        var normalized = Roles.Normalize(role) ?? throw new ConversationOperationException($"'{role}' is not a role ({string.Join(", ", Roles.All)}).");
        if (maxTemperature is < 0 or > 5 || maxTopP is <= 0 or > 1 || maxOutputTokens is < 1 or > 1_048_576)
        {
            throw new ConversationOperationException("Limits: temperature 0–5, top-p above 0 and at most 1, max tokens at least 1.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var limit = await db.RoleLimits.FirstOrDefaultAsync(l => l.Role == normalized, cancellationToken);
        if (limit is null)
        {
            limit = new RoleSamplingLimit { Role = normalized };
            db.RoleLimits.Add(limit);
        }

        limit.MaxTemperature = maxTemperature;
        limit.MaxTopP = maxTopP;
        limit.MaxOutputTokens = maxOutputTokens;
        limit.UpdatedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(cancellationToken);
    }

    private static void RequireAdmin(WorkbenchActor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsAdministrator)
        {
            throw new ConversationOperationException("Only an administrator can change personas and sampling limits.");
        }
    }
}
