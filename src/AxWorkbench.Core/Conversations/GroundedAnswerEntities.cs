namespace AxWorkbench.Core.Conversations;

/// <summary>The libraries an analyst picked for a chat session: its questions are answered from them.</summary>
public sealed class SessionLibrary
{
    public Guid SessionId { get; set; }

    public Guid LibraryId { get; set; }
}

/// <summary>
/// What a grounded answer was built from and how its citations checked out: the sources placed in the prompt (JSON),
/// the citations (JSON, once the answer is complete) and the reproducibility record (JSON).
/// </summary>
public sealed class GroundedAnswerRecord
{
    public Guid AnswerId { get; set; }

    public Guid SessionId { get; set; }

    public required string SourcesJson { get; set; }

    public string? CitationsJson { get; set; }

    public required string ReproducibilityJson { get; set; }

    public bool NothingFound { get; set; }

    public DateTime CreatedAt { get; set; }
}
