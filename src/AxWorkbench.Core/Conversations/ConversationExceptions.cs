namespace AxWorkbench.Core.Conversations;

/// <summary>The session or message does not exist, was deleted, or belongs to someone else.</summary>
public sealed class ConversationNotFoundException(Guid id)
    : Exception($"Conversation item {id} was not found. It may have been deleted, or it belongs to another user.");

/// <summary>A per-user limit was reached (prompt length, concurrent generations); the message says which and what to do.</summary>
public sealed class ConversationLimitException(string message) : Exception(message);

/// <summary>The requested marking is above what the user may handle, or the user may no longer see the session.</summary>
public sealed class MarkingNotPermittedException(string message) : Exception(message);

/// <summary>The operation does not apply to this message (e.g. editing an answer) or this user (admin only).</summary>
public sealed class ConversationOperationException(string message) : Exception(message);
