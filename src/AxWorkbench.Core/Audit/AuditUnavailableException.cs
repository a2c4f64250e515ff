namespace AxWorkbench.Core.Audit;

/// <summary>
/// The audit record could not be made durable (database locked beyond the timeout, disk full, log shut
/// down), so the action that needed it was refused. The message says what to check.
/// </summary>
public sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
