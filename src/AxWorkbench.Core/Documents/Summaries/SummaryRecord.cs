namespace AxWorkbench.Core.Documents.Summaries;

public enum SummaryStatus
{
    Queued,
    Running,
    Completed,
    Cancelled,
    /// <summary>The app stopped while the job ran; it can be resumed from the chunk summaries already saved.</summary>
    Interrupted,
    Failed,
}

/// <summary>A summary job and, once completed, its text. It carries the document's marking.</summary>
public sealed class SummaryRecord
{
    public Guid Id { get; set; }

    public Guid DocumentId { get; set; }

    public SummaryMode Mode { get; set; }

    public SummaryStatus Status { get; set; }

    /// <summary>The document's marking when the summary was made, in <see cref="MarkingStorage"/> form.</summary>
    public required string Marking { get; set; }

    public required string RequestedBy { get; set; }

    /// <summary>The final text: paragraphs separated by blank lines, each ending with page citations such as [p. 3] or [pp. 2-5].</summary>
    public string? Text { get; set; }

    public int ChunksDone { get; set; }

    public int ChunksTotal { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public List<SummaryChunkRecord> Chunks { get; set; } = [];

    public bool IsActive => Status is SummaryStatus.Queued or SummaryStatus.Running;
}

/// <summary>One map-step result, saved as soon as it is made, so an interrupted job resumes from here.</summary>
public sealed class SummaryChunkRecord
{
    public Guid SummaryId { get; set; }

    public int Index { get; set; }

    public int FirstPage { get; set; }

    public int LastPage { get; set; }

    public required string Text { get; set; }
}
