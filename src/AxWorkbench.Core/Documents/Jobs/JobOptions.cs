using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Documents.Jobs;

/// <summary>
/// Leases of background jobs claimed from the database (configuration section "Jobs"). A node that claims a job owns it
/// for <see cref="LeaseSeconds"/> and extends the lease every <see cref="HeartbeatSeconds"/>; a job whose node died is
/// claimed by another node once its lease has expired (seen at that node's next poll, every <see cref="PollSeconds"/>).
/// A cancel asked on another node reaches the owner at its next heartbeat.
/// </summary>
public sealed class JobOptions : IValidatableObject
{
    public const string SectionName = "Jobs";

    [Range(1.0, 3600.0, ErrorMessage = "Jobs:LeaseSeconds must be between 1 and 3600.")]
    public double LeaseSeconds { get; set; } = 20;

    [Range(0.1, 1200.0, ErrorMessage = "Jobs:HeartbeatSeconds must be between 0.1 and 1200.")]
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>How often an idle node looks for work queued or abandoned by other nodes (its own work wakes it at once).</summary>
    [Range(0.1, 3600.0, ErrorMessage = "Jobs:PollSeconds must be between 0.1 and 3600.")]
    public double PollSeconds { get; set; } = 5;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan Heartbeat => TimeSpan.FromSeconds(HeartbeatSeconds);

    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HeartbeatSeconds * 2 > LeaseSeconds)
        {
            yield return new ValidationResult(
                $"Jobs:HeartbeatSeconds ({HeartbeatSeconds}) must be at most half of Jobs:LeaseSeconds ({LeaseSeconds}), so one late heartbeat does not lose a running job.",
                [nameof(HeartbeatSeconds)]);
        }
    }
}
