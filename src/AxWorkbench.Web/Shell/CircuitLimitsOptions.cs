using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Web.Shell;

/// <summary>
/// Limits of the analysts' live connections (Blazor Server circuits), configuration section "Circuits". Every open tab is
/// a circuit holding its page state in the server's memory; a closed or dropped tab's circuit is kept a while so a
/// reconnecting browser finds its page, then freed. The defaults keep a dropped tab 3 minutes and at most 100 of
/// them; a site with hundreds of analysts per node raises the count or shortens the period.
/// </summary>
public sealed class CircuitLimitsOptions
{
    public const string SectionName = "Circuits";

    /// <summary>How many disconnected circuits the node keeps for their browsers to come back to (the oldest go first).</summary>
    [Range(0, 100_000, ErrorMessage = "Circuits:DisconnectedCircuitMaxRetained must be between 0 and 100000.")]
    public int DisconnectedCircuitMaxRetained { get; set; } = 100;

    /// <summary>How long a disconnected circuit is kept, in seconds.</summary>
    [Range(1, 86_400, ErrorMessage = "Circuits:DisconnectedCircuitRetentionSeconds must be between 1 and 86400.")]
    public int DisconnectedCircuitRetentionSeconds { get; set; } = 180;

    /// <summary>Render batches a slow browser may leave unacknowledged before the server waits for it (memory per slow client).</summary>
    [Range(1, 1_000, ErrorMessage = "Circuits:MaxBufferedUnacknowledgedRenderBatches must be between 1 and 1000.")]
    public int MaxBufferedUnacknowledgedRenderBatches { get; set; } = 10;

    /// <summary>The largest message a browser may send over its connection, in KB (a prompt's text travels in one; uploads stream in pieces and are limited by Documents:MaxUploadMegabytes).</summary>
    [Range(32, 16_384, ErrorMessage = "Circuits:MaxReceiveMessageKb must be between 32 and 16384.")]
    public int MaxReceiveMessageKb { get; set; } = 64;
}
