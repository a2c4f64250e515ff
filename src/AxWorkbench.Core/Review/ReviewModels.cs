using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Review;

/// <summary>Queue filters; null means "any". Dates compare with the session's last update (UTC); <see cref="To"/> is inclusive of that day.</summary>
public sealed record ReviewQueueFilter(
    string? Analyst = null, DateTime? From = null, DateTime? To = null, ClassificationLevel? Level = null, ReviewStatus? Status = null, string? Text = null);

public sealed record ReviewQueueItem(
    Guid SessionId, string Title, string OwnerName, string OwnerDisplayName, string Unit, Marking Marking, ReviewStatus Status,
    DateTime CreatedAt, DateTime UpdatedAt, bool Deleted);

/// <summary>The visible sessions and how many there are (sessions above the reviewer's clearance are in neither).</summary>
public sealed record ReviewQueue(IReadOnlyList<ReviewQueueItem> Items, int Total);

/// <summary>Everything the review page shows of one session: all messages of all branches, personas, comments, state, and each answer's evidence.</summary>
public sealed record SessionForReview(
    ReviewQueueItem Session,
    IReadOnlyList<ChatMessageRecord> Messages,
    Guid? SelectedLeafId,
    string? SessionPersona,
    IReadOnlyDictionary<Guid, string> PersonaNames,
    IReadOnlyList<ReviewComment> Comments,
    SessionReview? Review)
{
    /// <summary>By answer id: the sources and checked citations of grounded answers, and why failed or interrupted answers stopped.</summary>
    public IReadOnlyDictionary<Guid, ReviewAnswerEvidence> Evidence { get; init; } = new Dictionary<Guid, ReviewAnswerEvidence>();
}

/// <summary>The latest time someone other than the owner opened a session.</summary>
public sealed record SessionViewed(string ViewerName, DateTime ViewedAt);

/// <summary>A unit with its parent's name, for the admin page and pickers.</summary>
public sealed record UnitInfo(int Id, string Name, int? ParentId, string? ParentName, int Depth);

/// <summary>The session does not exist, or the reviewer may not see it (outside their unit, above their clearance): the same answer for both.</summary>
public sealed class ReviewAccessDeniedException(Guid sessionId)
    : Exception($"Session {sessionId} is not available to you for review: it does not exist, belongs to a unit outside yours, or is marked above your clearance.");

/// <summary>A review or unit operation that does not apply (empty reason, a message of another session, a cycle in the unit tree).</summary>
public sealed class ReviewOperationException(string message) : Exception(message);

/// <summary>Review actions not in the shared catalogue (unit administration).</summary>
public static class ReviewAuditActions
{
    public const string UnitCreated = "unit.created";
    public const string UnitParentChanged = "unit.parent-changed";
}
