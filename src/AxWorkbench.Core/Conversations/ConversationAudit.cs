using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Markings;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Conversations;

/// <summary>A prompt is about to be committed: the text's SHA-256 and its marking (the text itself stays in the conversation).</summary>
public sealed record PromptAuditEvent(WorkbenchActor Actor, Guid SessionId, Guid MessageId, string PromptSha256, Marking Marking);

/// <summary>A generation ended (any status).</summary>
public sealed record GenerationAuditEvent(
    WorkbenchActor Actor, Guid SessionId, Guid AnswerId, string? ModelName, string? ModelSha256,
    float Temperature, float TopP, int MaxTokens, long Seed, MessageStatus Status, Marking Marking);

/// <summary>A session was renamed, pinned, archived, soft-deleted or exported.</summary>
public sealed record SessionAuditEvent(WorkbenchActor Actor, Guid SessionId, string Change, Marking Marking);

/// <summary>Where the chat feature writes its audit events (the audit log in the app; tests may watch it).</summary>
public interface IConversationAudit
{
    /// <summary>Written before the turn is committed; if it cannot be written the turn is refused.</summary>
    Task PromptSubmittedAsync(PromptAuditEvent e, CancellationToken cancellationToken);

    /// <summary>Written after the answer's final state (best effort: a failure is logged, the answer is already saved).</summary>
    Task GenerationEndedAsync(GenerationAuditEvent e, CancellationToken cancellationToken);

    /// <summary>Written before the change is made; if it cannot be written the change is refused.</summary>
    Task SessionChangedAsync(SessionAuditEvent e, CancellationToken cancellationToken);

    /// <summary>Someone tried to open or export a session that is not theirs (denied; written before the refusal).</summary>
    Task AccessDeniedAsync(SessionAuditEvent e, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The chat feature's events in the hash-chained audit log.</summary>
public sealed class AuditLogConversationAudit(IAuditLog log) : IConversationAudit
{
    /// <summary>Session changes other than export (rename, pin, archive, persona): not in <see cref="AuditActions"/>, chat-specific.</summary>
    public const string SessionUpdated = "chat.session-updated";

    /// <summary>Soft delete of a session.</summary>
    public const string SessionDeleted = "chat.session-deleted";

    public async Task PromptSubmittedAsync(PromptAuditEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        await log.WriteAsync(AuditEvent.For(e.Actor, AuditActions.Prompt, e.SessionId.ToString(), details: new
        {
            sessionId = e.SessionId,
            messageId = e.MessageId,
            promptSha256 = e.PromptSha256,
        }) with { Marking = e.Marking }, cancellationToken);
    }

    public async Task GenerationEndedAsync(GenerationAuditEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        var outcome = e.Status is MessageStatus.Complete or MessageStatus.Cancelled ? AuditOutcomes.Success : AuditOutcomes.Failure;
        await log.WriteAsync(AuditEvent.For(e.Actor, AuditActions.Generation, e.SessionId.ToString(), outcome, new
        {
            sessionId = e.SessionId,
            answerId = e.AnswerId,
            model = e.ModelName,
            modelSha256 = e.ModelSha256,
            temperature = e.Temperature,
            topP = e.TopP,
            maxTokens = e.MaxTokens,
            seed = e.Seed,
            status = e.Status.ToString().ToLowerInvariant(),
        }) with { Marking = e.Marking }, cancellationToken);
    }

    public async Task SessionChangedAsync(SessionAuditEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        var action = e.Change switch
        {
            "delete" => SessionDeleted,
            _ when e.Change.StartsWith("export", StringComparison.Ordinal) => AuditActions.Export,
            _ => SessionUpdated,
        };
        await log.WriteAsync(AuditEvent.For(e.Actor, action, e.SessionId.ToString(), details: new { change = e.Change }) with { Marking = e.Marking }, cancellationToken);
    }

    public async Task AccessDeniedAsync(SessionAuditEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        await log.WriteAsync(AuditEvent.For(e.Actor, AuditActions.AccessDenied, "/chat/" + e.SessionId, AuditOutcomes.Denied,
            new { sessionId = e.SessionId, reason = e.Change }), cancellationToken);
    }
}

internal static partial class ConversationAuditLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "The audit record of generation {AnswerId} could not be written")]
    public static partial void GenerationAuditFailed(ILogger logger, Guid answerId, Exception exception);
}
