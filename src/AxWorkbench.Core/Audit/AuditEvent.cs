using System.Text.Json;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Audit;

/// <summary>
/// What a caller asks the audit log to record. The writer adds the sequence number, the UTC time and
/// the chain hash. <see cref="Details"/> is a JSON object (or null), stored verbatim.
/// </summary>
public sealed record AuditEvent
{
    public required string Action { get; init; }

    /// <summary>Who acted: a user name, "system", or "operator:NAME" for the command line.</summary>
    public required string Actor { get; init; }

    /// <summary>What the action was done to: a user name, a URL path, a session id; null when none.</summary>
    public string? Target { get; init; }

    public string Outcome { get; init; } = AuditOutcomes.Success;

    /// <summary>The client's network address, when the action came over HTTP.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The record's own marking (e.g. the marking of the prompt it describes); null means unclassified.</summary>
    public Marking? Marking { get; init; }

    /// <summary>A JSON object with action-specific details, stored as given.</summary>
    public string? Details { get; init; }

    /// <summary>An event for <paramref name="actor"/> (its audit name and client address).</summary>
    public static AuditEvent For(WorkbenchActor actor, string action, string? target = null, string outcome = AuditOutcomes.Success, object? details = null) =>
        new()
        {
            Action = action,
            Actor = (actor ?? throw new ArgumentNullException(nameof(actor))).AuditName,
            ClientAddress = actor.ClientAddress,
            Target = target,
            Outcome = outcome,
            Details = details is null ? null : JsonSerializer.Serialize(details, DetailsJson),
        };

    private static readonly JsonSerializerOptions DetailsJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>Says who is acting in the current scope: the signed-in user on the web, the operator on the command line.</summary>
public interface IAuditActorSource
{
    ValueTask<WorkbenchActor> GetActorAsync(CancellationToken cancellationToken = default);
}

/// <summary>Outside the web app (command line, background work): the operating-system user running the process.</summary>
internal sealed class ProcessAuditActorSource : IAuditActorSource
{
    private static readonly WorkbenchActor Operator = WorkbenchActor.Operator(Environment.UserName);

    public ValueTask<WorkbenchActor> GetActorAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Operator);
}
