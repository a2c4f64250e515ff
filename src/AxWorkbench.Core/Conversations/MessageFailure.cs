namespace AxWorkbench.Core.Conversations;

/// <summary>Why an answer did not complete, as the chat page, the review transcript and the exports all say it.</summary>
public static class MessageFailure
{
    public const string InterruptedWithoutReason = "interrupted: the server stopped while answering";
    public const string FailedWithoutReason = "failed: no reason was recorded";

    /// <summary>The stored error of a failed or interrupted answer (or a default when none was stored); otherwise the stored error, if any.</summary>
    public static string? Reason(ChatMessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var stored = string.IsNullOrWhiteSpace(message.Error) ? null : message.Error;
        return message.Status switch
        {
            MessageStatus.Interrupted => stored ?? InterruptedWithoutReason,
            MessageStatus.Failed => stored ?? FailedWithoutReason,
            _ => stored,
        };
    }
}
