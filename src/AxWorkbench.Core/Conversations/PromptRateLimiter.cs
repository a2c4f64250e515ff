using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Per-user prompts per minute (<see cref="ConversationOptions.MaxPromptsPerMinute"/>; 0 = no limit), a sliding
/// window on this node: a script or a stuck key cannot flood the model's queue for everyone else. A prompt refused
/// here is not counted; the message says how long to wait.
/// </summary>
public sealed class PromptRateLimiter(IOptions<ConversationOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _sent = new(StringComparer.Ordinal);

    /// <summary>Counts one prompt for <paramref name="userId"/>, or throws <see cref="ConversationLimitException"/> when the minute's limit is reached.</summary>
    public void Admit(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var most = options.Value.MaxPromptsPerMinute;
        if (most == 0)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var sent = _sent.GetOrAdd(userId, _ => new Queue<DateTimeOffset>());
        lock (sent)
        {
            while (sent.Count > 0 && now - sent.Peek() >= Window)
            {
                sent.Dequeue();
            }
            if (sent.Count >= most)
            {
                var wait = Math.Max(1, (int)Math.Ceiling((sent.Peek() + Window - now).TotalSeconds));
                throw new ConversationLimitException(
                    $"You have sent {most} prompts in the last minute, this site's limit. Wait {wait} s before sending another.");
            }
            sent.Enqueue(now);
        }
    }
}
