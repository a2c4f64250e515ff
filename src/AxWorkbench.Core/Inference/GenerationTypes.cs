namespace AxWorkbench.Core.Inference;

/// <summary>Who goes first when the engine is saturated: analysts, then API callers, then background work.</summary>
public enum RequestPriority { Interactive, Api, Background }

/// <summary>Why a generation ended.</summary>
public enum GenerationFinish { EndOfText, Length, StopSequence, Cancelled }

/// <summary>One generation request to <see cref="InferenceEngine"/>. The prompt is final text (chat template already applied).</summary>
public sealed record GenerationRequest
{
    public required string Prompt { get; init; }
    /// <summary>Null: <see cref="InferenceOptions.DefaultMaxTokens"/>.</summary>
    public int? MaxTokens { get; init; }
    public float Temperature { get; init; } = 0.8f;
    public float TopP { get; init; } = 0.95f;
    /// <summary>Null: a random seed.</summary>
    public long? Seed { get; init; }
    public IReadOnlyList<string> StopSequences { get; init; } = [];
    /// <summary>Requests are admitted round-robin between users.</summary>
    public string UserId { get; init; } = "anonymous";
    public RequestPriority Priority { get; init; } = RequestPriority.Interactive;
    /// <summary>Called with the 1-based queue position each time it changes while the request waits (also streamed as <see cref="QueuePositionEvent"/>).</summary>
    public Action<int>? OnQueuePosition { get; init; }
}

/// <summary>What a generation stream carries, in order: zero or more queue positions, text pieces, then one completion.</summary>
public abstract record GenerationEvent;

/// <summary>The request waits; <paramref name="Position"/> 1 is next to start.</summary>
public sealed record QueuePositionEvent(int Position) : GenerationEvent;

/// <summary>Decoded text (always whole UTF-8 characters) for <paramref name="TokenCount"/> new tokens.</summary>
public sealed record TextEvent(string Text, int TokenCount) : GenerationEvent;

public sealed record CompletedEvent(GenerationFinish Finish, int PromptTokens, int CompletionTokens) : GenerationEvent;

/// <summary>The queue is full: the engine answers busy instead of letting the caller hang. Retry later.</summary>
public sealed class EngineBusyException(int queueLength)
    : Exception($"The model is busy: {queueLength} requests are already waiting. Try again shortly.")
{
    public int QueueLength { get; } = queueLength;
}

/// <summary>The model is not loaded (still loading, or it failed with a named reason).</summary>
public sealed class ModelUnavailableException(ModelState state, string? reason, string? message = null)
    : Exception(message ?? (state == ModelState.Failed ? $"The model failed to load: {reason}" : $"The model is not ready yet (state: {state})."))
{
    public ModelState State { get; } = state;
}

/// <summary>The prompt does not fit in the context of one conversation.</summary>
public sealed class PromptTooLongException(int promptTokens, int contextSize)
    : Exception($"The prompt has {promptTokens} tokens but a conversation holds at most {contextSize}; shorten it or raise Inference:ContextSize.")
{
    public int PromptTokens { get; } = promptTokens;
}

/// <summary>The native side failed while decoding this request; the engine keeps serving the others.</summary>
public sealed class GenerationFailedException(string message) : Exception(message);

/// <summary>Switching the served model failed or was refused; the message says why and what is served now.</summary>
public sealed class ModelSwapException(string message) : Exception(message);
