using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Conversations;

/// <summary>Who is acting: the user id, what they may see, and their roles (for sampling limits and admin tasks).</summary>
public sealed record ChatActor(string UserId, UserAuthorization Authorization, IReadOnlyCollection<string> Roles, string? Name = null)
{
    /// <summary>How audit records name this user (the user name when known).</summary>
    public string AuditName => Name ?? UserId;
}

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

public sealed record ConversationView(SessionSummary Session, IReadOnlyList<MessageView> Path, Persona? Persona);

/// <summary>What a send, edit or regenerate committed: the user turn (null for regenerate) and the answer that is generating.</summary>
public sealed record TurnStarted(Guid? UserMessageId, Guid AnswerId, EffectiveSampling Sampling, int DroppedMessages);

/// <summary>
/// A turn answered from retrieved sources: <see cref="Prompt"/> replaces the conversation prompt, the answer's marking
/// also joins <see cref="SourcesMarking"/> (every chunk placed in the prompt), and a <see cref="FixedAnswer"/> (nothing
/// found) is stored as the complete answer without asking the model.
/// </summary>
public sealed record GroundedPrompt(IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> Prompt, Marking SourcesMarking, string? FixedAnswer = null);
