using AxWorkbench.Core.Actors;
using System.Security.Cryptography;
using System.Text;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Sessions and turns (one context per operation). The user's turn and the answer's row (status Generating) are
/// committed before the model is asked; the <see cref="GenerationCoordinator"/> then runs the answer off any circuit.
/// Marking rules are enforced here: a prompt's marking defaults to the session's, never exceeds the user's clearance,
/// and the answer's marking is the join of the prompt's and of every message placed in the prompt.
/// </summary>
public sealed class ConversationService(
    IDbContextFactory<WorkbenchDbContext> contextFactory,
    GenerationCoordinator coordinator,
    IChatClient chatClient,
    IConversationAudit audit,
    IOptions<ConversationOptions> options,
    IModelStatus? modelStatus = null)
{
    public const int MaxTitleLength = 200;

    public GenerationCoordinator Coordinator => coordinator;

    // ---- sessions ----

    public async Task<SessionSummary> CreateSessionAsync(ChatActor actor, string? title, Guid? personaId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (personaId is { } pid && !await db.Personas.AnyAsync(p => p.Id == pid && !p.Retired, cancellationToken))
        {
            throw new ConversationNotFoundException(pid);
        }

        var now = DateTime.UtcNow;
        var session = new ChatSession
        {
            Id = Guid.CreateVersion7(),
            OwnerId = actor.UserId,
            Title = CleanTitle(title) ?? "New conversation",
            PersonaId = personaId,
            CreatedAt = now,
            UpdatedAt = now,
            Marking = Marking.Unclassified,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return Summary(session);
    }

    /// <summary>The user's sessions, pinned first then most recent; deleted ones never; archived ones only when asked.</summary>
    public async Task<IReadOnlyList<SessionSummary>> ListSessionsAsync(ChatActor actor, string? search, bool archived, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Sessions.AsNoTracking().Where(s => s.OwnerId == actor.UserId && s.DeletedAt == null && s.Archived == archived);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            query = query.Where(s => EF.Functions.Like(s.Title, "%" + term + "%")
                || db.Set<ChatMessageRecord>().Any(m => m.SessionId == s.Id && EF.Functions.Like(m.Content, "%" + term + "%")));
        }

        var sessions = await query.OrderByDescending(s => s.Pinned).ThenByDescending(s => s.UpdatedAt).Take(500).ToListAsync(cancellationToken);
        return [.. sessions.Select(Summary)];
    }

    public Task RenameAsync(ChatActor actor, Guid sessionId, string title, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.Title = CleanTitle(title) ?? s.Title, "rename", cancellationToken);

    public Task SetPinnedAsync(ChatActor actor, Guid sessionId, bool pinned, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.Pinned = pinned, pinned ? "pin" : "unpin", cancellationToken);

    public Task SetArchivedAsync(ChatActor actor, Guid sessionId, bool archived, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.Archived = archived, archived ? "archive" : "unarchive", cancellationToken);

    /// <summary>Soft delete (audited): the session disappears from the user's lists; its record stays for supervisors.</summary>
    public Task DeleteAsync(ChatActor actor, Guid sessionId, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.DeletedAt = DateTime.UtcNow, "delete", cancellationToken);

    public async Task SetPersonaAsync(ChatActor actor, Guid sessionId, Guid? personaId, CancellationToken cancellationToken)
    {
        if (personaId is { } pid)
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            if (!await db.Personas.AnyAsync(p => p.Id == pid && !p.Retired, cancellationToken))
            {
                throw new ConversationNotFoundException(pid);
            }
        }

        await UpdateSessionAsync(actor, sessionId, s => s.PersonaId = personaId, "persona", cancellationToken);
    }

    private async Task UpdateSessionAsync(ChatActor actor, Guid sessionId, Action<ChatSession> change, string action, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await OwnedSessionAsync(db, actor, sessionId, cancellationToken);
        // Audited first: if the record cannot be written, nothing changes.
        await audit.SessionChangedAsync(new SessionAuditEvent(actor.AuditName, sessionId, action, session.Marking), cancellationToken);
        change(session);
        if (action != "pin" && action != "unpin")
        {
            session.UpdatedAt = DateTime.UtcNow;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    // ---- reading ----

    /// <summary>The session with the messages of its selected branch (root to leaf), each with its siblings.</summary>
    public async Task<ConversationView> GetConversationAsync(ChatActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await OwnedSessionAsync(db, actor, sessionId, cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
        var persona = session.PersonaId is { } pid ? await db.Personas.AsNoTracking().FirstOrDefaultAsync(p => p.Id == pid, cancellationToken) : null;
        var byParent = messages.ToLookup(m => m.ParentId);
        var path = PathTo(messages, session.SelectedLeafId ?? messages.LastOrDefault()?.Id);
        return new ConversationView(
            Summary(session),
            [.. path.Select(m => new MessageView(m, [.. byParent[m.ParentId].Select(s => s.Id)]))],
            persona);
    }

    /// <summary>Every message of the session (all branches), oldest first: the complete record.</summary>
    public async Task<IReadOnlyList<ChatMessageRecord>> GetAllMessagesAsync(ChatActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await OwnedSessionAsync(db, actor, sessionId, cancellationToken);
        return await db.Messages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
    }

    /// <summary>Shows the branch through <paramref name="messageId"/>: from it, down its most recent children to a leaf.</summary>
    public async Task SelectBranchAsync(ChatActor actor, Guid sessionId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await OwnedSessionAsync(db, actor, sessionId, cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
        if (messages.All(m => m.Id != messageId))
        {
            throw new ConversationNotFoundException(messageId);
        }

        var byParent = messages.ToLookup(m => m.ParentId);
        var leaf = messageId;
        while (byParent[leaf].LastOrDefault() is { } child)
        {
            leaf = child.Id;
        }

        session.SelectedLeafId = leaf;
        await db.SaveChangesAsync(cancellationToken);
    }

    // ---- turns ----

    /// <summary>Appends a user turn to the selected branch and starts its answer.</summary>
    public async Task<TurnStarted> SendAsync(ChatActor actor, Guid sessionId, string text, Marking? marking, SamplingRequest? sampling, CancellationToken cancellationToken, GroundedPrompt? grounding = null)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await OwnedSessionAsync(db, actor, sessionId, cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
        var parentPath = PathTo(messages, session.SelectedLeafId ?? messages.LastOrDefault()?.Id);
        return await StartTurnAsync(db, actor, session, messages, parentPath, text, marking, sampling, cancellationToken, grounding);
    }

    /// <summary>Edit an earlier user turn: a new sibling turn (a new branch) with its own answer; the old branch stays selectable.</summary>
    public async Task<TurnStarted> EditAsync(ChatActor actor, Guid userMessageId, string text, Marking? marking, SamplingRequest? sampling, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var original = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == userMessageId, cancellationToken)
            ?? throw new ConversationNotFoundException(userMessageId);
        if (original.Role != MessageRole.User)
        {
            throw new ConversationOperationException("Only your own turns can be edited; regenerate an answer instead.");
        }

        var session = await OwnedSessionAsync(db, actor, original.SessionId, cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => m.SessionId == session.Id).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
        var parentPath = original.ParentId is { } parent ? PathTo(messages, parent) : [];
        return await StartTurnAsync(db, actor, session, messages, parentPath, text, marking ?? original.Marking, sampling, cancellationToken);
    }

    /// <summary>Another answer to the same user turn (a sibling of <paramref name="answerId"/>).</summary>
    public async Task<TurnStarted> RegenerateAsync(ChatActor actor, Guid answerId, SamplingRequest? sampling, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var answer = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == answerId, cancellationToken)
            ?? throw new ConversationNotFoundException(answerId);
        if (answer.Role != MessageRole.Assistant || answer.ParentId is null)
        {
            throw new ConversationOperationException("Only an answer can be regenerated.");
        }

        var session = await OwnedSessionAsync(db, actor, answer.SessionId, cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => m.SessionId == session.Id).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
        var path = PathTo(messages, answer.ParentId);
        var userTurn = path[^1];
        if (!Access.Dominates(actor.Authorization, userTurn.Marking))
        {
            throw new MarkingNotPermittedException("This turn is marked above your clearance; it cannot be regenerated by you.");
        }

        var sample = await SamplingForAsync(db, actor, sampling, cancellationToken);
        var answerRow = await AddAnswerAsync(db, actor, session, messages, path, userTurn.Marking, sample, cancellationToken);
        return answerRow;
    }

    /// <summary>Stop: the answer ends Cancelled with the text it had.</summary>
    public async Task<bool> StopAsync(ChatActor actor, Guid answerId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var answer = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == answerId, cancellationToken)
            ?? throw new ConversationNotFoundException(answerId);
        await OwnedSessionAsync(db, actor, answer.SessionId, cancellationToken);
        return coordinator.Cancel(answerId);
    }

    /// <summary>Start-up: answers left Generating by a previous process (crash, kill) become Interrupted and keep their text.</summary>
    public async Task<int> RecoverInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var active = coordinator.ActiveIds.ToList();
        var now = DateTime.UtcNow;
        return await db.Messages
            .Where(m => m.Status == MessageStatus.Generating && !active.Contains(m.Id))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Interrupted)
                .SetProperty(m => m.FinishReason, "interrupted")
                .SetProperty(m => m.Error, "The server stopped while this answer was being generated; the text saved up to then is kept.")
                .SetProperty(m => m.CompletedAt, now), cancellationToken);
    }

    private async Task<TurnStarted> StartTurnAsync(
        WorkbenchDbContext db, ChatActor actor, ChatSession session, List<ChatMessageRecord> messages, IReadOnlyList<ChatMessageRecord> parentPath,
        string text, Marking? marking, SamplingRequest? sampling, CancellationToken cancellationToken, GroundedPrompt? grounding = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ConversationLimitException("The prompt is empty.");
        }

        if (text.Length > settings.MaxPromptCharacters)
        {
            throw new ConversationLimitException(
                $"The prompt has {text.Length:N0} characters; the limit is {settings.MaxPromptCharacters:N0}. Shorten it or split it into several turns.");
        }

        var promptMarking = marking ?? session.Marking;
        if (!Access.Dominates(actor.Authorization, promptMarking))
        {
            throw new MarkingNotPermittedException(
                $"You cannot mark a prompt {promptMarking}: it is above your clearance or caveats. Choose a marking you hold.");
        }

        var sample = await SamplingForAsync(db, actor, sampling, cancellationToken);
        if (coordinator.ActiveCount(actor.UserId) >= settings.MaxConcurrentGenerationsPerUser)
        {
            throw new ConversationLimitException(
                $"You already have {settings.MaxConcurrentGenerationsPerUser} answers generating. Wait for one to finish or stop one.");
        }

        var now = DateTime.UtcNow;
        var user = new ChatMessageRecord
        {
            Id = Guid.CreateVersion7(),
            SessionId = session.Id,
            ParentId = parentPath.Count > 0 ? parentPath[^1].Id : null,
            Sequence = NextSequence(messages),
            Role = MessageRole.User,
            Content = text,
            Status = MessageStatus.Complete,
            AuthorId = actor.UserId,
            Marking = promptMarking,
            CreatedAt = now,
            UpdatedAt = now,
            CompletedAt = now,
        };
        // Audited first (prompt hash and marking): if the record cannot be written, the turn is refused.
        await audit.PromptSubmittedAsync(new PromptAuditEvent(actor.AuditName, session.Id, user.Id, Sha256(text), promptMarking), cancellationToken);
        db.Messages.Add(user);
        messages.Add(user);
        var started = await AddAnswerAsync(db, actor, session, messages, [.. parentPath, user], promptMarking, sample, cancellationToken, grounding);
        return started with { UserMessageId = user.Id };
    }

    /// <summary>Builds the prompt (dropping the oldest turns that do not fit), commits the answer row (and a pending user turn), then starts it.</summary>
    private async Task<TurnStarted> AddAnswerAsync(
        WorkbenchDbContext db, ChatActor actor, ChatSession session, List<ChatMessageRecord> messages, IReadOnlyList<ChatMessageRecord> path,
        Marking promptMarking, EffectiveSampling sample, CancellationToken cancellationToken, GroundedPrompt? grounding = null)
    {
        var persona = session.PersonaId is { } pid ? await db.Personas.AsNoTracking().FirstOrDefaultAsync(p => p.Id == pid, cancellationToken) : null;
        var (prompt, included, dropped) = BuildPrompt(persona, path, sample.MaxTokens);
        if (grounding is not null)
        {
            // Grounded (retrieval) turn: the prompt is the fenced sources and the question, built by retrieval within its budget.
            prompt = [.. grounding.Prompt];
            included = [path[^1]];
            dropped = 0;
        }

        var answerMarking = Marking.Join(included.Select(m => m.Marking).Append(promptMarking).Append(grounding?.SourcesMarking ?? Marking.Unclassified));
        var now = DateTime.UtcNow;
        var answer = new ChatMessageRecord
        {
            Id = Guid.CreateVersion7(),
            SessionId = session.Id,
            ParentId = path[^1].Id,
            Sequence = NextSequence(messages),
            Role = MessageRole.Assistant,
            Status = MessageStatus.Generating,
            Marking = answerMarking,
            ModelName = coordinator.ModelName,
            ModelSha256 = coordinator.ModelSha256,
            Temperature = sample.Temperature,
            TopP = sample.TopP,
            MaxTokens = sample.MaxTokens,
            Seed = sample.Seed,
            DroppedMessages = dropped,
            PersonaId = persona?.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (grounding?.FixedAnswer is { } fixedAnswer)
        {
            // Nothing was retrieved: the answer says so and the model is not asked.
            answer.Content = fixedAnswer;
            answer.Status = MessageStatus.Complete;
            answer.FinishReason = "nothing-found";
            answer.CompletedAt = now;
        }

        db.Messages.Add(answer);
        session.SelectedLeafId = answer.Id;
        session.Marking = Marking.Join(session.Marking, answerMarking);
        session.UpdatedAt = now;
        if (session.Title == "New conversation" && path.FirstOrDefault(m => m.Role == MessageRole.User) is { } first)
        {
            session.Title = CleanTitle(first.Content.Length > 60 ? first.Content[..60] + "…" : first.Content) ?? session.Title;
        }

        // Durability: the user's turn and the answer's row are on disk before the model sees anything.
        await db.SaveChangesAsync(cancellationToken);
        if (answer.Status != MessageStatus.Generating)
        {
            return new TurnStarted(null, answer.Id, sample, dropped);
        }

        coordinator.Start(new GenerationJob(answer.Id, session.Id, actor.UserId, prompt, sample.Temperature, sample.TopP, sample.MaxTokens, sample.Seed, answerMarking, actor.AuditName));
        return new TurnStarted(null, answer.Id, sample, dropped);
    }

    /// <summary>System prompt + as many of the latest messages as fit in the context (the last user turn always).</summary>
    private (List<ChatMessage> Prompt, List<ChatMessageRecord> Included, int Dropped) BuildPrompt(Persona? persona, IReadOnlyList<ChatMessageRecord> path, int maxTokens)
    {
        var settings = options.Value;
        var context = modelStatus?.Info?.ContextLength ?? settings.FallbackContextTokens;
        var budget = context - maxTokens;
        var history = path.Where(m => m.Role != MessageRole.System && (m.Role == MessageRole.User || m.Content.Length > 0)).ToList();
        var systemCost = persona is null ? 0 : CountTokens(persona.SystemPrompt) + settings.TemplateTokensPerMessage;
        var last = history[^1];
        var lastCost = CountTokens(last.Content) + settings.TemplateTokensPerMessage;
        if (systemCost + lastCost > budget)
        {
            throw new ConversationLimitException(
                $"This prompt needs about {systemCost + lastCost:N0} tokens but the model's context leaves {Math.Max(budget, 0):N0} after the {maxTokens:N0} reserved for the answer. Shorten the prompt or ask for a shorter answer.");
        }

        var used = systemCost + lastCost;
        var included = new List<ChatMessageRecord> { last };
        for (var i = history.Count - 2; i >= 0; i--)
        {
            var cost = CountTokens(history[i].Content) + settings.TemplateTokensPerMessage;
            if (used + cost > budget)
            {
                break;
            }

            used += cost;
            included.Insert(0, history[i]);
        }

        var prompt = new List<ChatMessage>();
        if (persona is not null)
        {
            prompt.Add(new ChatMessage(ChatRole.System, persona.SystemPrompt));
        }

        prompt.AddRange(included.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)));
        return (prompt, included, history.Count - included.Count);
    }

    private int CountTokens(string text) =>
        chatClient.GetService<InferenceEngine>() is { State: ModelState.Ready } engine
            ? engine.CountTokens(text)
            : (Encoding.UTF8.GetByteCount(text) / 2) + 1; // conservative without a tokenizer

    // ---- sampling limits and personas ----

    /// <summary>Defaults filled in, then clamped to the most permissive limit among the actor's roles; nonsense is refused.</summary>
    public async Task<EffectiveSampling> ResolveSamplingAsync(ChatActor actor, SamplingRequest? sampling, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await SamplingForAsync(db, actor, sampling, cancellationToken);
    }

    private async Task<EffectiveSampling> SamplingForAsync(WorkbenchDbContext db, ChatActor actor, SamplingRequest? sampling, CancellationToken cancellationToken)
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
    public async Task<Persona> SavePersonaAsync(ChatActor actor, Guid? id, string name, string systemPrompt, bool retired, CancellationToken cancellationToken)
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
    public async Task SaveRoleLimitAsync(ChatActor actor, string role, float maxTemperature, float maxTopP, int maxOutputTokens, CancellationToken cancellationToken)
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

    // ---- helpers ----

    private static void RequireAdmin(ChatActor actor)
    {
        if (!actor.Roles.Contains(Roles.Admin))
        {
            throw new ConversationOperationException("Only an administrator can change personas and sampling limits.");
        }
    }

    private async Task<ChatSession> OwnedSessionAsync(WorkbenchDbContext db, ChatActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var session = await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.OwnerId == actor.UserId && s.DeletedAt == null, cancellationToken);
        if (session is null)
        {
            // Someone else's session (a guessed or shared URL, an export link): the attempt is on record, the answer is "not found".
            if (await db.Sessions.AsNoTracking().AnyAsync(s => s.Id == sessionId && s.OwnerId != actor.UserId, cancellationToken))
            {
                await audit.AccessDeniedAsync(new SessionAuditEvent(actor.AuditName, sessionId, "open-not-owner", Marking.Unclassified), cancellationToken);
            }

            throw new ConversationNotFoundException(sessionId);
        }
        if (!Access.Dominates(actor.Authorization, session.Marking))
        {
            throw new MarkingNotPermittedException($"This session is marked {session.Marking}, above your current clearance; ask your security officer.");
        }

        return session;
    }

    private static List<ChatMessageRecord> PathTo(List<ChatMessageRecord> messages, Guid? leafId)
    {
        var byId = messages.ToDictionary(m => m.Id);
        var path = new List<ChatMessageRecord>();
        var current = leafId;
        while (current is { } id && byId.TryGetValue(id, out var message))
        {
            path.Add(message);
            current = message.ParentId;
        }

        path.Reverse();
        return path;
    }

    private static long NextSequence(List<ChatMessageRecord> messages) => messages.Count == 0 ? 1 : messages.Max(m => m.Sequence) + 1;

    private static string? CleanTitle(string? title)
    {
        var clean = string.Join(' ', (title ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return clean.Length == 0 ? null : clean.Length > MaxTitleLength ? clean[..MaxTitleLength] : clean;
    }

    private static SessionSummary Summary(ChatSession s) => new(s.Id, s.Title, s.Pinned, s.Archived, s.Marking, s.PersonaId, s.CreatedAt, s.UpdatedAt);

    /// <summary>Records an export of the session (before the file is produced).</summary>
    public async Task AuditExportAsync(ChatActor actor, Guid sessionId, string format, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await OwnedSessionAsync(db, actor, sessionId, cancellationToken);
        await audit.SessionChangedAsync(new SessionAuditEvent(actor.AuditName, sessionId, "export-" + format, session.Marking), cancellationToken);
    }

    internal static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
