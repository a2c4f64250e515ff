using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Conversations;

/// <summary>Sampling the user asks for; null means the default. Clamped to the role's limits.</summary>
public sealed record SamplingRequest(float? Temperature = null, float? TopP = null, int? MaxTokens = null, long? Seed = null);

/// <summary>Sampling after defaults and role limits were applied.</summary>
public sealed record EffectiveSampling(float Temperature, float TopP, int MaxTokens, long Seed, bool Clamped);

public sealed record SessionSummary(
    Guid Id, string Title, bool Pinned, bool Archived, Marking Marking, Guid? PersonaId, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>One message on the selected path, with its siblings (the branches at that point).</summary>
public sealed record MessageView(ChatMessageRecord Message, IReadOnlyList<Guid> SiblingIds)
{
    public int SiblingIndex => SiblingIds.ToList().IndexOf(Message.Id);
}

/// <summary>
/// The session with its selected branch; <see cref="Active"/> is the answer still generating at the end of that
/// branch (null when none), for a page to attach to.
/// </summary>
public sealed record ConversationView(SessionSummary Session, IReadOnlyList<MessageView> Path, Persona? Persona, ActiveGeneration? Active = null);

/// <summary>
/// What a send, edit or regenerate committed: the user turn (null for regenerate), the answer, the conversation as it
/// now stands (built from what was just written, no second read), the live generation to attach to (null when the
/// answer was complete at once, e.g. nothing found) and, for a grounded turn, its sources.
/// </summary>
public sealed record TurnStarted(
    Guid? UserMessageId, Guid AnswerId, EffectiveSampling Sampling, int DroppedMessages,
    ConversationView View, ActiveGeneration? Generation, GroundedAnswerView? Grounding = null);
