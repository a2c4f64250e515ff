using AxWorkbench.Core.Markings;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Conversations;

/// <summary>A prompt was committed: the text's SHA-256 and its marking (the text itself stays in the conversation).</summary>
public sealed record PromptAuditEvent(string UserId, Guid SessionId, Guid MessageId, string PromptSha256, Marking Marking, DateTime At);

/// <summary>A generation ended (any status).</summary>
public sealed record GenerationAuditEvent(
    string UserId, Guid SessionId, Guid AnswerId, string? ModelName, string? ModelSha256,
    float Temperature, float TopP, int MaxTokens, long Seed, MessageStatus Status, Marking Marking, DateTime At);

public sealed record SessionAuditEvent(string UserId, Guid SessionId, string Action, DateTime At);

/// <summary>
/// AUDIT SEAM: where the chat feature writes its audit events. Until Audit's IAuditLog is merged, the default
/// implementation (<see cref="LoggingConversationAudit"/>) writes structured log lines; at merge, an adapter over IAuditLog replaces it.
/// </summary>
public interface IConversationAudit
{
    Task PromptSubmittedAsync(PromptAuditEvent e, CancellationToken cancellationToken);

    Task GenerationEndedAsync(GenerationAuditEvent e, CancellationToken cancellationToken);

    Task SessionChangedAsync(SessionAuditEvent e, CancellationToken cancellationToken);
}

public sealed partial class LoggingConversationAudit(ILogger<LoggingConversationAudit> logger) : IConversationAudit
{
    public Task PromptSubmittedAsync(PromptAuditEvent e, CancellationToken cancellationToken)
    {
        LogPrompt(logger, e.UserId, e.SessionId, e.MessageId, e.PromptSha256, e.Marking.ToString());
        return Task.CompletedTask;
    }

    public Task GenerationEndedAsync(GenerationAuditEvent e, CancellationToken cancellationToken)
    {
        LogGeneration(logger, e.UserId, e.SessionId, e.AnswerId, e.ModelName, e.ModelSha256, e.Temperature, e.TopP, e.MaxTokens, e.Seed, e.Status, e.Marking.ToString());
        return Task.CompletedTask;
    }

    public Task SessionChangedAsync(SessionAuditEvent e, CancellationToken cancellationToken)
    {
        LogSession(logger, e.UserId, e.SessionId, e.Action);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "audit chat.prompt user={UserId} session={SessionId} message={MessageId} sha256={Sha256} marking={Marking}")]
    private static partial void LogPrompt(ILogger logger, string userId, Guid sessionId, Guid messageId, string sha256, string marking);

    [LoggerMessage(Level = LogLevel.Information, Message = "audit chat.generation user={UserId} session={SessionId} answer={AnswerId} model={Model} modelSha256={ModelSha256} temperature={Temperature} topP={TopP} maxTokens={MaxTokens} seed={Seed} status={Status} marking={Marking}")]
    private static partial void LogGeneration(ILogger logger, string userId, Guid sessionId, Guid answerId, string? model, string? modelSha256, float temperature, float topP, int maxTokens, long seed, MessageStatus status, string marking);

    [LoggerMessage(Level = LogLevel.Information, Message = "audit chat.session user={UserId} session={SessionId} action={Action}")]
    private static partial void LogSession(ILogger logger, string userId, Guid sessionId, string action);
}
