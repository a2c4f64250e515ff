using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Conversations;

public enum MessageRole { System, User, Assistant }

/// <summary>Life of a stored message. User turns are <see cref="Complete"/> when committed.</summary>
public enum MessageStatus { Generating, Complete, Cancelled, Failed, Interrupted }

/// <summary>One conversation. Its marking is the join of the markings of all its messages (every branch).</summary>
public sealed class ChatSession
{
    public Guid Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Title { get; set; }
    public Guid? PersonaId { get; set; }
    public bool Pinned { get; set; }
    public bool Archived { get; set; }
    public DateTime? DeletedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>The leaf of the branch the user last looked at.</summary>
    public Guid? SelectedLeafId { get; set; }
    /// <summary>The marking in <see cref="Markings.MarkingStorage"/> form ("Secret|NOFORN|"); filter by level with <see cref="ConversationsData.LevelPrefix"/>.</summary>
    public string MarkingStorage { get; set; } = ConversationsData.UnclassifiedStorage;

    public Marking Marking
    {
        get => Markings.MarkingStorage.FromStorage(MarkingStorage);
        set => MarkingStorage = Markings.MarkingStorage.ToStorage(value);
    }
}

/// <summary>A message in a session's tree: editing a user turn or regenerating an answer adds a sibling (a new branch).</summary>
public sealed class ChatMessageRecord
{
    public Guid Id { get; set; }
    public Guid SessionId { get; set; }
    public Guid? ParentId { get; set; }
    /// <summary>Order of creation within the session (siblings and branches are listed in this order).</summary>
    public long Sequence { get; set; }
    public MessageRole Role { get; set; }
    public string Content { get; set; } = "";
    public MessageStatus Status { get; set; }
    /// <summary>The marking in <see cref="Markings.MarkingStorage"/> form ("Secret|NOFORN|"); filter by level with <see cref="ConversationsData.LevelPrefix"/>.</summary>
    public string MarkingStorage { get; set; } = ConversationsData.UnclassifiedStorage;
    public string? AuthorId { get; set; }
    public string? ModelName { get; set; }
    public string? ModelSha256 { get; set; }
    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    public int? MaxTokens { get; set; }
    public long? Seed { get; set; }
    public int? PromptTokens { get; set; }
    public int? CompletionTokens { get; set; }
    public string? FinishReason { get; set; }
    public string? Error { get; set; }
    /// <summary>Earlier messages left out of the model's prompt because the context was full (never out of the record).</summary>
    public int DroppedMessages { get; set; }
    public Guid? PersonaId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>The node (<see cref="Data.NodeIdentity"/>) that generates or generated this answer; null for user turns and older rows.</summary>
    public string? GeneratingNode { get; set; }
    /// <summary>
    /// While <see cref="MessageStatus.Generating"/>: until when the generating node's lease holds. The node extends it by a
    /// heartbeat while it streams; once it has passed, any node's sweeper marks the answer interrupted (the node died).
    /// </summary>
    public DateTime? LeaseExpiresAt { get; set; }

    public Marking Marking
    {
        get => Markings.MarkingStorage.FromStorage(MarkingStorage);
        set => MarkingStorage = Markings.MarkingStorage.ToStorage(value);
    }
}

/// <summary>A named system prompt managed by administrators.</summary>
public sealed class Persona
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string SystemPrompt { get; set; }
    public bool Retired { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Sampling limits an administrator sets per role; requests beyond them are clamped.</summary>
public sealed class RoleSamplingLimit
{
    public required string Role { get; set; }
    public float MaxTemperature { get; set; }
    public float MaxTopP { get; set; }
    public int MaxOutputTokens { get; set; }
    public DateTime UpdatedAt { get; set; }
}
