using AxWorkbench.Core.Data;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// The owner check every conversation operation starts with (once per operation), and the branch arithmetic the
/// session and turn services share.
/// </summary>
internal static class SessionAccess
{
    public const int MaxTitleLength = 200;

    /// <summary>The actor's own, undeleted session within their clearance; a stranger's attempt is audited and answered "not found".</summary>
    public static async Task<ChatSession> OwnedSessionAsync(
        WorkbenchDbContext db, IConversationAudit audit, WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var session = await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.OwnerId == actor.UserId && s.DeletedAt == null, cancellationToken);
        if (session is null)
        {
            // Someone else's session (a guessed or shared URL, an export link): the attempt is on record, the answer is "not found".
            if (await db.Sessions.AsNoTracking().AnyAsync(s => s.Id == sessionId && s.OwnerId != actor.UserId, cancellationToken))
            {
                await audit.AccessDeniedAsync(new SessionAuditEvent(actor, sessionId, "open-not-owner", Marking.Unclassified), cancellationToken);
            }

            throw new ConversationNotFoundException(sessionId);
        }

        if (!Access.Dominates(actor.Authorization, session.Marking))
        {
            throw new MarkingNotPermittedException($"This session is marked {session.Marking}, above your current clearance; ask your security officer.");
        }

        return session;
    }

    public static Task<List<ChatMessageRecord>> MessagesAsync(WorkbenchDbContext db, Guid sessionId, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(cancellationToken);

    /// <summary>The session with the messages of its selected branch (root to leaf), each with its siblings.</summary>
    public static ConversationView View(ChatSession session, List<ChatMessageRecord> messages, Persona? persona, ActiveGeneration? active = null)
    {
        var byParent = messages.ToLookup(m => m.ParentId);
        var path = PathTo(messages, session.SelectedLeafId ?? messages.LastOrDefault()?.Id);
        return new ConversationView(
            Summary(session),
            [.. path.Select(m => new MessageView(m, [.. byParent[m.ParentId].Select(s => s.Id)]))],
            persona,
            active);
    }

    public static List<ChatMessageRecord> PathTo(List<ChatMessageRecord> messages, Guid? leafId)
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

    public static long NextSequence(List<ChatMessageRecord> messages) => messages.Count == 0 ? 1 : messages.Max(m => m.Sequence) + 1;

    public static string? CleanTitle(string? title)
    {
        var clean = string.Join(' ', (title ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return clean.Length == 0 ? null : clean.Length > MaxTitleLength ? clean[..MaxTitleLength] : clean;
    }

    public static SessionSummary Summary(ChatSession s) => new(s.Id, s.Title, s.Pinned, s.Archived, s.Marking, s.PersonaId, s.CreatedAt, s.UpdatedAt);
}
