using AxWorkbench.Core.Retrieval;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// A source as stored with a grounded answer: enough to link to the passage and to re-check the citations, and whether
/// the passage's page was read by OCR from a scan (with OCR's mean word confidence, 0-1), so the answer can say so.
/// </summary>
public sealed record StoredSource(int Number, long ChunkId, Guid DocumentId, int Version, string Title, int Page, int Start, int Length, string Text, string Marking,
    bool Ocr = false, double? OcrConfidence = null);

/// <summary>A citation as stored and shown: the source it names (null when there is none), the quote and whether it checked out.</summary>
public sealed record StoredCitation(int Number, long? ChunkId, Guid? DocumentId, int? Page, string? Title, string? Quote, bool Supported);

/// <summary>
/// What an answer was grounded on and how its citations checked out (citations null while it is still generating);
/// <see cref="SourcesLeftOut"/>: passages found but left out to fit the model's context.
/// </summary>
public sealed record GroundedAnswerView(Guid AnswerId, IReadOnlyList<StoredSource> Sources, IReadOnlyList<StoredCitation>? Citations, bool NothingFound, AnswerReproducibility Reproducibility)
{
    public int SourcesLeftOut { get; init; }
}

/// <summary>
/// A turn answered from retrieved sources: <see cref="Prompt"/> replaces the conversation prompt, the answer's marking
/// also joins <see cref="SourcesMarking"/> (every chunk placed in the prompt), and a <see cref="FixedAnswer"/> (nothing
/// found) is stored as the complete answer without asking the model.
/// </summary>
internal sealed record GroundedPrompt(PreparedAnswer Prepared)
{
    public IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> Prompt => Prepared.Messages;

    public Markings.Marking SourcesMarking => Prepared.Marking;

    public string? FixedAnswer => Prepared.NothingFound ? CitedAnswerService.NothingFoundText : null;
}
