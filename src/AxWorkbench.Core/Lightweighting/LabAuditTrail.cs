using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>
/// Where the lab reports what administrators did (quantize, evaluate, promote). The seam for the workbench's audit
/// log: until it exists in this branch, events go to the log (and promotions also to the lab's own table).
/// </summary>
public interface ILabAuditTrail
{
    Task RecordAsync(string action, string userName, string detail, CancellationToken cancellationToken);
}

internal sealed partial class LoggingLabAuditTrail(ILogger<LoggingLabAuditTrail> logger) : ILabAuditTrail
{
    public Task RecordAsync(string action, string userName, string detail, CancellationToken cancellationToken)
    {
        LogAudit(logger, action, userName, detail);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit lab.{Action} by {UserName}: {Detail}")]
    private static partial void LogAudit(ILogger logger, string action, string userName, string detail);
}
