using AxWorkbench.Core.Actors;
using System.Security.Cryptography;
using System.Text;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Review;

/// <summary>
/// Supervisor review of analysts' sessions. Scope: sessions of other users whose unit is the reviewer's unit or below it.
/// A session the reviewer does not dominate is never listed nor counted, and opening it is refused exactly like one
/// outside the unit (and audited). Every action is on record before it happens (if the audit cannot be written, nothing happens).
/// </summary>
public sealed class ReviewService(
    IDbContextFactory<WorkbenchDbContext> contexts,
    IDbContextFactory<WorkbenchIdentityDbContext> identity,
    UnitDirectory units,
    ConversationExporter exporter,
    GroundedAnswers grounded,
    IAuditLog audit)
{
    public const int QueueLimit = 200;
    public const int MaxCommentLength = 4000;

    private sealed record Owner(string Id, string UserName, string DisplayName, string Unit);

    // ---- queue ----

    public async Task<ReviewQueue> QueueAsync(WorkbenchActor reviewer, ReviewQueueFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        ArgumentNullException.ThrowIfNull(filter);
        var owners = await OwnersInScopeAsync(reviewer, cancellationToken);
        if (!string.IsNullOrWhiteSpace(filter.Analyst))
        {
            var term = filter.Analyst.Trim();
            owners = owners.Where(o => o.Value.UserName.Contains(term, StringComparison.OrdinalIgnoreCase)
                || o.Value.DisplayName.Contains(term, StringComparison.OrdinalIgnoreCase)).ToDictionary();
        }

        if (owners.Count == 0)
        {
            return new ReviewQueue([], 0);
        }

        var ownerIds = owners.Keys.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Sessions.AsNoTracking().Where(s => ownerIds.Contains(s.OwnerId));
        // Dates from a date picker carry no kind; the stored times are UTC (PostgreSQL refuses to compare an unspecified one).
        if (filter.From is { } fromValue)
        {
            var from = DateTime.SpecifyKind(fromValue, DateTimeKind.Utc);
            query = query.Where(s => s.UpdatedAt >= from);
        }

        if (filter.To is { } to)
        {
            var end = DateTime.SpecifyKind(to.Date.AddDays(1), DateTimeKind.Utc);
            query = query.Where(s => s.UpdatedAt < end);
        }

        if (filter.Level is { } level)
        {
            query = query.Where(s => s.MarkingStorage.StartsWith(ConversationsData.LevelPrefix(level)));
        }

        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = "%" + filter.Text.Trim() + "%";
            // Case-insensitive on both providers: SQLite's LIKE already is (ASCII); PostgreSQL's is not, ILIKE is.
            query = db.Database.IsNpgsql()
                ? query.Where(s => EF.Functions.ILike(s.Title, text) || db.Set<ChatMessageRecord>().Any(m => m.SessionId == s.Id && EF.Functions.ILike(m.Content, text)))
                : query.Where(s => EF.Functions.Like(s.Title, text) || db.Set<ChatMessageRecord>().Any(m => m.SessionId == s.Id && EF.Functions.Like(m.Content, text)));
        }

        // Dominance is decided here, before status filters, counting and paging: what the reviewer may not see does not exist for them.
        var visible = (await query.OrderByDescending(s => s.UpdatedAt).ToListAsync(cancellationToken))
            .Where(s => Access.Dominates(reviewer.Authorization, s.Marking))
            .ToList();
        var ids = visible.Select(s => s.Id).ToList();
        await using var rdb = await contexts.CreateDbContextAsync(cancellationToken);
        var states = await rdb.Reviews.AsNoTracking().Where(r => ids.Contains(r.SessionId)).ToDictionaryAsync(r => r.SessionId, r => r.Status, cancellationToken);
        var items = visible
            .Select(s => Item(s, owners[s.OwnerId], states.GetValueOrDefault(s.Id, ReviewStatus.New)))
            .Where(i => filter.Status is null || i.Status == filter.Status)
            .ToList();
        return new ReviewQueue([.. items.Take(QueueLimit)], items.Count);
    }

    // ---- one session ----

    /// <summary>Opens a session for review: audited as viewed (by anyone but its owner) and remembered for the owner to see.</summary>
    public async Task<SessionForReview> OpenAsync(WorkbenchActor reviewer, Guid sessionId, CancellationToken cancellationToken)
    {
        var (session, owner) = await AuthorizeAsync(reviewer, sessionId, "open", cancellationToken);
        if (session.OwnerId != reviewer.UserId)
        {
            await audit.WriteAsync(AuditEvent.For(reviewer, AuditActions.SessionViewed, sessionId.ToString(), details: new { sessionId, owner = owner.UserName })
                with { Marking = session.Marking }, cancellationToken);
            await using var rdb = await contexts.CreateDbContextAsync(cancellationToken);
            rdb.Views.Add(new SessionViewRecord { SessionId = sessionId, ViewerName = reviewer.Name, ViewedAt = DateTime.UtcNow });
            if (!await rdb.Reviews.AnyAsync(r => r.SessionId == sessionId, cancellationToken))
            {
                rdb.Reviews.Add(new SessionReview { SessionId = sessionId, Status = ReviewStatus.InReview, UpdatedAt = DateTime.UtcNow });
            }

            await rdb.SaveChangesAsync(cancellationToken);
        }

        return await LoadAsync(reviewer, session, owner, cancellationToken);
    }

    /// <summary>The session as the review page shows it, without recording a view (after a comment, flag or sign-off).</summary>
    public async Task<SessionForReview> ReloadAsync(WorkbenchActor reviewer, Guid sessionId, CancellationToken cancellationToken)
    {
        var (session, owner) = await AuthorizeAsync(reviewer, sessionId, "open", cancellationToken);
        return await LoadAsync(reviewer, session, owner, cancellationToken);
    }

    public async Task<ReviewComment> CommentAsync(WorkbenchActor reviewer, Guid sessionId, Guid messageId, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clean = text.Trim();
        if (clean.Length == 0 || clean.Length > MaxCommentLength)
        {
            throw new ReviewOperationException($"A comment needs between 1 and {MaxCommentLength} characters.");
        }

        await AuthorizeAsync(reviewer, sessionId, "comment", cancellationToken);
        await using var cdb = await contexts.CreateDbContextAsync(cancellationToken);
        var message = await cdb.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == messageId && m.SessionId == sessionId, cancellationToken)
            ?? throw new ReviewOperationException("That turn is not part of this session; reload the page.");
        var comment = new ReviewComment
        {
            Id = Guid.CreateVersion7(), SessionId = sessionId, MessageId = messageId, AuthorName = reviewer.Name, Text = clean, CreatedAt = DateTime.UtcNow,
        };
        await audit.WriteAsync(AuditEvent.For(reviewer, AuditActions.Comment, sessionId.ToString(), details: new
        {
            sessionId, messageId, commentId = comment.Id, textSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clean))),
        }) with { Marking = message.Marking }, cancellationToken);
        await using var rdb = await contexts.CreateDbContextAsync(cancellationToken);
        rdb.Comments.Add(comment);
        await SetStateAsync(rdb, sessionId, r => r.Status = r.Status == ReviewStatus.New ? ReviewStatus.InReview : r.Status, cancellationToken);
        await rdb.SaveChangesAsync(cancellationToken);
        return comment;
    }

    public async Task FlagAsync(WorkbenchActor reviewer, Guid sessionId, string reason, CancellationToken cancellationToken)
    {
        var clean = reason?.Trim() ?? "";
        if (clean.Length == 0 || clean.Length > 2000)
        {
            throw new ReviewOperationException("A flag needs a reason (1 to 2000 characters) so the analyst and other reviewers know what is wrong.");
        }

        var (session, _) = await AuthorizeAsync(reviewer, sessionId, "flag", cancellationToken);
        await audit.WriteAsync(AuditEvent.For(reviewer, AuditActions.Flag, sessionId.ToString(), details: new { sessionId, reason = clean })
            with { Marking = session.Marking }, cancellationToken);
        await using var rdb = await contexts.CreateDbContextAsync(cancellationToken);
        await SetStateAsync(rdb, sessionId, r =>
        {
            r.Status = ReviewStatus.Flagged;
            r.FlagReason = clean;
            r.FlaggedBy = reviewer.Name;
            r.FlaggedAt = DateTime.UtcNow;
        }, cancellationToken);
        await rdb.SaveChangesAsync(cancellationToken);
    }

    public async Task SignOffAsync(WorkbenchActor reviewer, Guid sessionId, CancellationToken cancellationToken)
    {
        var (session, _) = await AuthorizeAsync(reviewer, sessionId, "sign-off", cancellationToken);
        await audit.WriteAsync(AuditEvent.For(reviewer, AuditActions.SignOff, sessionId.ToString(), details: new { sessionId })
            with { Marking = session.Marking }, cancellationToken);
        await using var rdb = await contexts.CreateDbContextAsync(cancellationToken);
        await SetStateAsync(rdb, sessionId, r =>
        {
            r.Status = ReviewStatus.SignedOff;
            r.SignedOffBy = reviewer.Name;
            r.SignedOffAt = DateTime.UtcNow;
        }, cancellationToken);
        await rdb.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The chat export (banners, portion marks) of a session under review; audited as an export by the reviewer.</summary>
    public async Task<string> ExportAsync(WorkbenchActor reviewer, Guid sessionId, string format, CancellationToken cancellationToken)
    {
        if (format is not ("md" or "json"))
        {
            throw new ReviewOperationException("Export formats are md and json.");
        }

        var (session, owner) = await AuthorizeAsync(reviewer, sessionId, "export", cancellationToken);
        await audit.WriteAsync(AuditEvent.For(reviewer, AuditActions.Export, sessionId.ToString(), details: new { sessionId, format, owner = owner.UserName, via = "review" })
            with { Marking = session.Marking }, cancellationToken);
        var data = await LoadAsync(reviewer, session, owner, cancellationToken);
        var answers = await grounded.GetAnswersAsync(data.Messages, cancellationToken);
        await using var cdb = await contexts.CreateDbContextAsync(cancellationToken);
        var persona = session.PersonaId is { } pid ? await cdb.Personas.AsNoTracking().FirstOrDefaultAsync(p => p.Id == pid, cancellationToken) : null;
        var view = ReviewExportView.Of(session, data.Messages, persona);
        bool MayRead(Marking marking) => Access.Dominates(reviewer.Authorization, marking);
        return format == "md" ? exporter.RenderMarkdown(view, answers, MayRead) : exporter.RenderJson(view, data.Messages, answers, MayRead);
    }

    // ---- the owner's side ----

    /// <summary>For the owner's session list: the latest view of each of their sessions by someone else.</summary>
    public async Task<IReadOnlyDictionary<Guid, SessionViewed>> ViewsOfOwnSessionsAsync(string ownerId, CancellationToken cancellationToken)
    {
        await using var cdb = await contexts.CreateDbContextAsync(cancellationToken);
        var ids = await cdb.Sessions.AsNoTracking().Where(s => s.OwnerId == ownerId).Select(s => s.Id).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return new Dictionary<Guid, SessionViewed>();
        }

        var views = await cdb.Views.AsNoTracking().Where(v => ids.Contains(v.SessionId)).ToListAsync(cancellationToken);
        return views.GroupBy(v => v.SessionId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(v => v.ViewedAt).Select(v => new SessionViewed(v.ViewerName, v.ViewedAt)).First());
    }

    private async Task<(ChatSession Session, Owner Owner)> AuthorizeAsync(WorkbenchActor reviewer, Guid sessionId, string attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        await using var cdb = await contexts.CreateDbContextAsync(cancellationToken);
        var session = await cdb.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        var owners = await OwnersInScopeAsync(reviewer, cancellationToken);
        string? reason = session is null ? "no-such-session"
            : !owners.ContainsKey(session.OwnerId) ? "outside-unit"
            : !Access.Dominates(reviewer.Authorization, session.Marking) ? "above-clearance"
            : null;
        if (reason is not null)
        {
            // The record names the reason; the reviewer hears the same thing in every case.
            await audit.WriteAsync(AuditEvent.For(reviewer, AuditActions.AccessDenied, "/review/" + sessionId, AuditOutcomes.Denied,
                new { sessionId, attempt, reason }), cancellationToken);
            throw new ReviewAccessDeniedException(sessionId);
        }

        return (session!, owners[session!.OwnerId]);
    }

    private async Task<SessionForReview> LoadAsync(WorkbenchActor reviewer, ChatSession session, Owner owner, CancellationToken cancellationToken)
    {
        await using var cdb = await contexts.CreateDbContextAsync(cancellationToken);
        var messages = await cdb.Messages.AsNoTracking().Where(m => m.SessionId == session.Id).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);
        var personas = await cdb.Personas.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
        var comments = await cdb.Comments.AsNoTracking().Where(c => c.SessionId == session.Id).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        var state = await cdb.Reviews.AsNoTracking().FirstOrDefaultAsync(r => r.SessionId == session.Id, cancellationToken);
        return new SessionForReview(
            Item(session, owner, state?.Status ?? ReviewStatus.New),
            messages,
            session.SelectedLeafId,
            session.PersonaId is { } pid ? personas.GetValueOrDefault(pid) : null,
            personas,
            comments,
            state)
        {
            Evidence = ReviewEvidence.For(messages, await grounded.GetAnswersAsync(messages, cancellationToken), reviewer.Authorization),
        };
    }

    /// <summary>Users (other than the reviewer) whose unit is the reviewer's unit or one below it.</summary>
    private async Task<Dictionary<string, Owner>> OwnersInScopeAsync(WorkbenchActor reviewer, CancellationToken cancellationToken)
    {
        var scope = await units.SubtreeNamesAsync(reviewer.Unit, cancellationToken);
        if (scope.Count == 0)
        {
            return [];
        }

        var names = scope.ToList();
        await using var idb = await identity.CreateDbContextAsync(cancellationToken);
        var users = await idb.Users.AsNoTracking()
            .Where(u => names.Contains(u.Unit) && u.Id != reviewer.UserId)
            .Select(u => new Owner(u.Id, u.UserName ?? u.Id, u.DisplayName, u.Unit))
            .ToListAsync(cancellationToken);
        return users.ToDictionary(u => u.Id);
    }

    private static async Task SetStateAsync(WorkbenchDbContext rdb, Guid sessionId, Action<SessionReview> change, CancellationToken cancellationToken)
    {
        var state = await rdb.Reviews.FirstOrDefaultAsync(r => r.SessionId == sessionId, cancellationToken);
        if (state is null)
        {
            state = new SessionReview { SessionId = sessionId, Status = ReviewStatus.New };
            rdb.Reviews.Add(state);
        }

        change(state);
        state.UpdatedAt = DateTime.UtcNow;
    }

    private static ReviewQueueItem Item(ChatSession s, Owner owner, ReviewStatus status) =>
        new(s.Id, s.Title, owner.UserName, owner.DisplayName, owner.Unit, s.Marking, status, s.CreatedAt, s.UpdatedAt, s.DeletedAt is not null);
}
