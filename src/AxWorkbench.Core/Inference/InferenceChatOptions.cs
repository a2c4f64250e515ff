using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// How callers tell an <see cref="IChatClient"/> of the workbench who is asking and how urgently, and read the
/// queue position back, without knowing any provider's option keys.
/// </summary>
public static class InferenceChatOptions
{
    internal const string UserIdKey = "ax.userId";
    internal const string PriorityKey = "ax.priority";
    internal const string QueuePositionKey = "queuePosition";

    /// <summary>Requests from one user share the engine fairly with other users' requests.</summary>
    public static ChatOptions ForUser(this ChatOptions options, string userId)
    {
        ArgumentNullException.ThrowIfNull(options);
        (options.AdditionalProperties ??= [])[UserIdKey] = userId;
        return options;
    }

    /// <summary>Interactive analysts go before API callers, which go before background work (summaries, evaluation).</summary>
    public static ChatOptions WithPriority(this ChatOptions options, RequestPriority priority)
    {
        ArgumentNullException.ThrowIfNull(options);
        (options.AdditionalProperties ??= [])[PriorityKey] = priority.ToString();
        return options;
    }

    public static string? GetUserId(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(UserIdKey, out var u) == true && u?.ToString() is { Length: > 0 } id ? id : null;

    public static RequestPriority GetPriority(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(PriorityKey, out var p) == true
        && Enum.TryParse<RequestPriority>(p?.ToString(), ignoreCase: true, out var priority)
            ? priority
            : RequestPriority.Interactive;

    /// <summary>An update that says the request is waiting, at <paramref name="position"/> (1 = next).</summary>
    public static ChatResponseUpdate QueueUpdate(int position) => new()
    {
        Role = ChatRole.Assistant,
        AdditionalProperties = new AdditionalPropertiesDictionary { [QueuePositionKey] = position },
    };

    /// <summary>The queue position an update carries while its request waits for a slot; null once it runs.</summary>
    public static int? GetQueuePosition(this ChatResponseUpdate update) =>
        update?.AdditionalProperties?.TryGetValue(QueuePositionKey, out var position) == true && position is int queue ? queue : null;
}
