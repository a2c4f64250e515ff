using AxWorkbench.Core.Audit;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>The lab's events (quantize, evaluate, promote) in the workbench's hash-chained audit log.</summary>
public sealed class AuditLogLabTrail(IAuditLog audit) : ILabAuditTrail
{
    public async Task RecordAsync(string action, string userName, string detail, CancellationToken cancellationToken) =>
        await audit.WriteAsync(new AuditEvent
        {
            Action = "model." + action,
            Actor = userName,
            Target = detail,
        }, cancellationToken).ConfigureAwait(false);
}
