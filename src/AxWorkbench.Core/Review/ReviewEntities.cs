namespace AxWorkbench.Core.Review;

/// <summary>Where a session stands in review. New: no supervisor has opened it yet.</summary>
public enum ReviewStatus { New, InReview, SignedOff, Flagged }

/// <summary>An organisational unit. Users keep their unit's name in <c>WorkbenchUser.Unit</c>; the tree gives review scope.</summary>
public sealed class OrgUnit
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public int? ParentId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>The review state of one chat session (absent row = <see cref="ReviewStatus.New"/>).</summary>
public sealed class SessionReview
{
    public Guid SessionId { get; set; }
    public ReviewStatus Status { get; set; }
    public string? FlagReason { get; set; }
    public string? FlaggedBy { get; set; }
    public DateTime? FlaggedAt { get; set; }
    public string? SignedOffBy { get; set; }
    public DateTime? SignedOffAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A supervisor's comment on one turn of a session.</summary>
public sealed class ReviewComment
{
    public Guid Id { get; set; }
    public Guid SessionId { get; set; }
    public Guid MessageId { get; set; }
    public required string AuthorName { get; set; }
    public required string Text { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>Someone other than the owner opened the session (shown to the owner: privacy of review is explicit).</summary>
public sealed class SessionViewRecord
{
    public long Id { get; set; }
    public Guid SessionId { get; set; }
    public required string ViewerName { get; set; }
    public DateTime ViewedAt { get; set; }
}
