using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Cluster;

/// <summary>
/// How the nodes on one database keep in step ("Cluster" section). The retrieval propagation bound is
/// <see cref="PropagationBound"/>: a node applies another node's retrieval change when NOTIFY wakes it (typically
/// milliseconds), and at the latest at its next poll, so within two poll intervals even when a notification is lost.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>How often each node polls the retrieval change log for entries NOTIFY did not announce (milliseconds).</summary>
    [Range(100, 10_000, ErrorMessage = "Cluster:RetrievalPollMilliseconds must be between 100 and 10000.")]
    public int RetrievalPollMilliseconds { get; set; } = 1000;

    /// <summary>How long the event listener waits before reconnecting to PostgreSQL after losing it (milliseconds).</summary>
    [Range(100, 60_000, ErrorMessage = "Cluster:ReconnectMilliseconds must be between 100 and 60000.")]
    public int ReconnectMilliseconds { get; set; } = 2000;

    /// <summary>The stated bound: a retrieval change (ACL changes included) reaches every node's index within this.</summary>
    public TimeSpan PropagationBound => TimeSpan.FromMilliseconds(2 * RetrievalPollMilliseconds);
}
