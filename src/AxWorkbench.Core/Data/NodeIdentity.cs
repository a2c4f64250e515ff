namespace AxWorkbench.Core.Data;

/// <summary>
/// This process's name among the workbench nodes that share one database: set by <c>Data:NodeId</c> (a site names its
/// nodes, e.g. "web-1"), otherwise the host name and a random suffix made once per process. Rows a node owns for a while
/// (job leases, answers it is generating) carry it, so another node can tell whose lease expired.
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity(DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Id = string.IsNullOrWhiteSpace(options.NodeId)
            ? $"{Environment.MachineName}-{Guid.NewGuid():N}"[..Math.Min(64, Environment.MachineName.Length + 9)]
            : options.NodeId.Trim();
    }

    /// <summary>The node's name (at most 64 characters).</summary>
    public string Id { get; }

    public override string ToString() => Id;
}
