using System.Text.Json;

namespace AxWorkbench.Core.Cluster;

/// <summary>Publishing the workbench's topics, best effort: the database holds the truth, an event only says "look again now".</summary>
public static class ClusterPublishing
{
    /// <summary>
    /// Publishes <paramref name="payload"/> (serialized to JSON) on <paramref name="topic"/>; false when the database
    /// cannot be reached (the other nodes then see the change at their next read: the 60-second revalidation, a reload).
    /// </summary>
    public static async Task<bool> TryPublishAsync(this IClusterEvents events, string topic, object payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        try
        {
            await events.PublishAsync(topic, JsonSerializer.Serialize(payload), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads a payload published with <see cref="TryPublishAsync"/>; null when it is not of that shape.</summary>
    public static T? Read<T>(this ClusterEvent clusterEvent) where T : class
    {
        ArgumentNullException.ThrowIfNull(clusterEvent);
        try
        {
            return JsonSerializer.Deserialize<T>(clusterEvent.Payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Payload of <see cref="ClusterTopics.UserChanged"/>: the user whose circuits revalidate now (null: every circuit).</summary>
public sealed record UserChangedEvent(string? UserName);

/// <summary>Payload of <see cref="ClusterTopics.SessionViewed"/>: whose session was viewed.</summary>
public sealed record SessionViewedEvent(string OwnerName, Guid SessionId);

/// <summary>Payload of <see cref="ClusterTopics.ModelPromoted"/>: the model file every node serves now (the same path on each node).</summary>
public sealed record ModelPromotedEvent(string Path);
