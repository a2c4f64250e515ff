using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Review;

/// <summary>
/// A source of a grounded answer as the reviewer sees it: title and passage are null when it is above their clearance;
/// <paramref name="Ocr"/> when its page was read by OCR (with OCR's mean word confidence).
/// </summary>
public sealed record ReviewSource(int Number, Guid DocumentId, string? Title, int Page, string? Passage, Marking Marking, bool AboveClearance, bool Ocr = false, double? OcrConfidence = null);

/// <summary>A citation in the answer and whether its source supports it; the quote is null when its source is above the reviewer's clearance.</summary>
public sealed record ReviewCitation(int Number, Guid? DocumentId, int? Page, string? Quote, bool Supported, bool AboveClearance);

/// <summary>
/// What backs an answer in review: its sources and checked citations when it was grounded (<see cref="Citations"/> null
/// while not yet checked), and why it did not complete when it failed or was interrupted.
/// </summary>
public sealed record ReviewAnswerEvidence(
    bool Grounded, IReadOnlyList<ReviewSource> Sources, IReadOnlyList<ReviewCitation>? Citations, int SourcesLeftOut, bool NothingFound, string? Failure);

/// <summary>Builds the review evidence of a session's answers, hiding what the reviewer does not dominate.</summary>
public static class ReviewEvidence
{
    public static IReadOnlyDictionary<Guid, ReviewAnswerEvidence> For(
        IEnumerable<ChatMessageRecord> messages, IReadOnlyDictionary<Guid, GroundedAnswerView> answers, UserAuthorization reviewer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(reviewer);
        var evidence = new Dictionary<Guid, ReviewAnswerEvidence>();
        foreach (var message in messages.Where(m => m.Role == MessageRole.Assistant))
        {
            var failure = MessageFailure.Reason(message);
            if (answers.TryGetValue(message.Id, out var answer))
            {
                evidence[message.Id] = Grounded(answer, failure, reviewer);
            }
            else if (failure is not null)
            {
                evidence[message.Id] = new ReviewAnswerEvidence(false, [], [], 0, false, failure);
            }
        }

        return evidence;
    }

    private static ReviewAnswerEvidence Grounded(GroundedAnswerView answer, string? failure, UserAuthorization reviewer)
    {
        var sources = answer.Sources.Select(s =>
        {
            var marking = MarkingStorage.FromStorage(s.Marking);
            var hidden = !Access.Dominates(reviewer, marking);
            return new ReviewSource(s.Number, s.DocumentId, hidden ? null : s.Title, s.Page, hidden ? null : s.Text, marking, hidden, s.Ocr, s.OcrConfidence);
        }).ToList();
        var hiddenNumbers = sources.Where(s => s.AboveClearance).Select(s => s.Number).ToHashSet();
        var citations = answer.Citations?.Select(c =>
        {
            var hidden = hiddenNumbers.Contains(c.Number);
            return new ReviewCitation(c.Number, hidden ? null : c.DocumentId, hidden ? null : c.Page, hidden ? null : c.Quote, c.Supported, hidden);
        }).ToList();
        return new ReviewAnswerEvidence(true, sources, citations, answer.SourcesLeftOut, answer.NothingFound, failure);
    }
}
