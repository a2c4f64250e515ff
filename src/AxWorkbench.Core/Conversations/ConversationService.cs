using AxWorkbench.Core.Data;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// A user's sessions: create, list, rename, pin, archive, delete, persona, and reading a session's branches (one context
/// per operation, the owner checked once in each). Turns are <see cref="ConversationTurns"/>'s; personas and sampling
/// limits <see cref="ChatSettings"/>'.
/// </summary>
public sealed class ConversationService(
    IDbContextFactory<WorkbenchDbContext> contextFactory,
    GenerationCoordinator coordinator,
    IConversationAudit audit,
    IOptions<DataOptions> data)
{
    public const int MaxTitleLength = SessionAccess.MaxTitleLength;

    // ---- sessions ----

    public async Task<SessionSummary> CreateSessionAsync(WorkbenchActor actor, string? title, Guid? personaId, CancellationToken cancellationToken)
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
            Title = SessionAccess.CleanTitle(title) ?? "New conversation",
            PersonaId = personaId,
            CreatedAt = now,
            UpdatedAt = now,
            Marking = Marking.Unclassified,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return SessionAccess.Summary(session);
    }

    /// <summary>The user's sessions, pinned first then most recent; deleted ones never; archived ones only when asked.</summary>
    public async Task<IReadOnlyList<SessionSummary>> ListSessionsAsync(WorkbenchActor actor, string? search, bool archived, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Sessions.AsNoTracking().Where(s => s.OwnerId == actor.UserId && s.DeletedAt == null && s.Archived == archived);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = "%" + search.Trim() + "%";
            // Case-insensitive on both providers: SQLite's LIKE already is (ASCII); PostgreSQL's is not, ILIKE is.
            query = db.Database.IsNpgsql()
                ? query.Where(s => EF.Functions.ILike(s.Title, term)
                    || db.Set<ChatMessageRecord>().Any(m => m.SessionId == s.Id && EF.Functions.ILike(m.Content, term)))
                : query.Where(s => EF.Functions.Like(s.Title, term)
                    || db.Set<ChatMessageRecord>().Any(m => m.SessionId == s.Id && EF.Functions.Like(m.Content, term)));
        }

        var sessions = await query.OrderByDescending(s => s.Pinned).ThenByDescending(s => s.UpdatedAt).Take(500).ToListAsync(cancellationToken);
        return [.. sessions.Select(SessionAccess.Summary)];
    }

    public Task RenameAsync(WorkbenchActor actor, Guid sessionId, string title, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.Title = SessionAccess.CleanTitle(title) ?? s.Title, "rename", cancellationToken);

    public Task SetPinnedAsync(WorkbenchActor actor, Guid sessionId, bool pinned, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.Pinned = pinned, pinned ? "pin" : "unpin", cancellationToken);

    public Task SetArchivedAsync(WorkbenchActor actor, Guid sessionId, bool archived, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.Archived = archived, archived ? "archive" : "unarchive", cancellationToken);

    /// <summary>Soft delete (audited): the session disappears from the user's lists; its record stays for supervisors.</summary>
    public Task DeleteAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken) =>
        UpdateSessionAsync(actor, sessionId, s => s.DeletedAt = DateTime.UtcNow, "delete", cancellationToken);

    public async Task SetPersonaAsync(WorkbenchActor actor, Guid sessionId, Guid? personaId, CancellationToken cancellationToken)
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

    /// <summary>Records an export of the session (before the file is produced).</summary>
    public async Task AuditExportAsync(WorkbenchActor actor, Guid sessionId, string format, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await SessionAccess.OwnedSessionAsync(db, audit, actor, sessionId, cancellationToken);
        await audit.SessionChangedAsync(new SessionAuditEvent(actor, sessionId, "export-" + format, session.Marking), cancellationToken);
    }

    private async Task UpdateSessionAsync(WorkbenchActor actor, Guid sessionId, Action<ChatSession> change, string action, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await SessionAccess.OwnedSessionAsync(db, audit, actor, sessionId, cancellationToken);
        // Audited first: if the record cannot be written, nothing changes.
        await audit.SessionChangedAsync(new SessionAuditEvent(actor, sessionId, action, session.Marking), cancellationToken);
        change(session);
        if (action != "pin" && action != "unpin")
        {
            session.UpdatedAt = DateTime.UtcNow;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    // ---- reading ----

    /// <summary>
    /// The session with the messages of its selected branch (root to leaf), each with its siblings, and the answer still
    /// generating at its end (a refresh or reconnect attaches to it, wherever it was started).
    /// </summary>
    public async Task<ConversationView> GetConversationAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await SessionAccess.OwnedSessionAsync(db, audit, actor, sessionId, cancellationToken);
        var messages = await SessionAccess.MessagesAsync(db, sessionId, cancellationToken);
        var persona = session.PersonaId is { } pid ? await db.Personas.AsNoTracking().FirstOrDefaultAsync(p => p.Id == pid, cancellationToken) : null;
        var view = SessionAccess.View(session, messages, persona);
        if (view.Path.Count == 0 || view.Path[^1].Message.Status != MessageStatus.Generating)
        {
            return view;
        }

        var lastId = view.Path[^1].Message.Id;
        if (coordinator.Find(lastId) is { } active)
        {
            return view with { Active = active };
        }

        // It finished between the read and the lookup (its final state is written before it leaves the coordinator).
        var last = await db.Messages.AsNoTracking().FirstAsync(m => m.Id == lastId, cancellationToken);
        return SessionAccess.View(session, [.. messages.Select(m => m.Id == last.Id ? last : m)], persona);
    }

    /// <summary>Every message of the session (all branches), oldest first: the complete record.</summary>
    public async Task<IReadOnlyList<ChatMessageRecord>> GetAllMessagesAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await SessionAccess.OwnedSessionAsync(db, audit, actor, sessionId, cancellationToken);
        return await SessionAccess.MessagesAsync(db, sessionId, cancellationToken);
    }

    /// <summary>Shows the branch through <paramref name="messageId"/>: from it, down its most recent children to a leaf.</summary>
    public async Task SelectBranchAsync(WorkbenchActor actor, Guid sessionId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var session = await SessionAccess.OwnedSessionAsync(db, audit, actor, sessionId, cancellationToken);
        var messages = await SessionAccess.MessagesAsync(db, sessionId, cancellationToken);
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

    /// <summary>
    /// Start-up: answers left Generating by a previous process (crash, kill) become Interrupted and keep their text. On
    /// SQLite (one node) that is every answer this process is not generating; on PostgreSQL, where other nodes may be
    /// generating theirs, only this node's (same <c>Data:NodeId</c>), rows without a node, and those whose lease expired.
    /// </summary>
    public async Task<int> RecoverInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var active = coordinator.ActiveIds.ToList();
        var now = DateTime.UtcNow;
        var left = db.Messages.Where(m => m.Status == MessageStatus.Generating && !active.Contains(m.Id));
        if (data.Value.IsPostgres)
        {
            var me = coordinator.NodeId;
            left = left.Where(m => m.GeneratingNode == null || m.GeneratingNode == me || m.LeaseExpiresAt == null || m.LeaseExpiresAt < now);
        }
        return await InterruptAsync(left, "The server stopped while this answer was being generated; the text saved up to then is kept.", now, cancellationToken);
    }

    /// <summary>
    /// Every node, every heartbeat (<see cref="GenerationLeaseSweeper"/>): answers whose generating node stopped extending
    /// their lease (it died, or lost the database) become Interrupted and keep their text.
    /// </summary>
    public async Task<int> InterruptExpiredAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var active = coordinator.ActiveIds.ToList();
        var now = DateTime.UtcNow;
        var expired = db.Messages.Where(m => m.Status == MessageStatus.Generating && m.LeaseExpiresAt != null && m.LeaseExpiresAt < now && !active.Contains(m.Id));
        return await InterruptAsync(expired, "The server generating this answer stopped answering; the text saved up to then is kept.", now, cancellationToken);
    }

    private static Task<int> InterruptAsync(IQueryable<ChatMessageRecord> answers, string reason, DateTime now, CancellationToken cancellationToken) =>
        answers.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, MessageStatus.Interrupted)
            .SetProperty(m => m.FinishReason, "interrupted")
            .SetProperty(m => m.Error, reason)
            .SetProperty(m => m.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(m => m.CompletedAt, now), cancellationToken);
}
