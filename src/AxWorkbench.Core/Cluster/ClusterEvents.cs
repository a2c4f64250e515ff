using System.Collections.Concurrent;
using System.Text.Json;
using AxWorkbench.Core.Data;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Cluster;

/// <summary>An event from some node: a topic (e.g. <see cref="ClusterTopics.UserChanged"/>), a small JSON payload and the node that published it.</summary>
public sealed record ClusterEvent(string Topic, string Payload, string Node);

/// <summary>
/// Events between the nodes that share one database: PostgreSQL LISTEN/NOTIFY across nodes
/// (<see cref="PostgresClusterEvents"/>), in process for SQLite's single node (<see cref="LocalClusterEvents"/>).
/// A published event reaches this node's subscribers at once and the other nodes' shortly after; delivery is
/// best effort (a node that was disconnected misses events), so what must not be missed also lives in the database
/// and is polled (the retrieval change log).
/// </summary>
public interface IClusterEvents
{
    /// <summary>This node's name (<see cref="NodeIdentity"/>).</summary>
    string Node { get; }

    /// <summary>Publishes to every node, this one included. The payload is JSON, at most <see cref="ClusterEventHub.MaxPayloadBytes"/>.</summary>
    Task PublishAsync(string topic, string payload, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="handler"/> for each event of the topic (from any node) until the result is disposed. Handlers must be quick.</summary>
    IDisposable Subscribe(string topic, Action<ClusterEvent> handler);
}

/// <summary>Topics the workbench publishes.</summary>
public static class ClusterTopics
{
    /// <summary>A user's roles, clearance, unit or state changed: open circuits of that user revalidate now. Payload: {"userId": "..."}.</summary>
    public const string UserChanged = "identity.user-changed";

    /// <summary>A supervisor viewed a session. Payload: {"ownerId": "...", "sessionId": "..."}.</summary>
    public const string SessionViewed = "review.session-viewed";

    /// <summary>Personas or role sampling limits changed. Payload: {}.</summary>
    public const string ConversationSettingsChanged = "conversations.settings-changed";

    /// <summary>A model was promoted on some node: the others serve it too. Payload: {"path": "..."}.</summary>
    public const string ModelPromoted = "lightweighting.model-promoted";

    /// <summary>A document parse or summary job moved. Payload: the update.</summary>
    public const string JobProgress = "documents.job-progress";

    /// <summary>A lightweighting lab job (quantize, evaluate) moved. Payload: the update.</summary>
    public const string LabJobProgress = "lightweighting.job-progress";

    /// <summary>New retrieval change-log entries were committed. Payload: {}.</summary>
    public const string RetrievalChanged = "retrieval.changed";

    /// <summary>Raised locally (never published) when the listener reconnected after an outage: events may have been missed.</summary>
    public const string Reconnected = "cluster.reconnected";
}

/// <summary>The subscriber registry both implementations share.</summary>
public abstract partial class ClusterEventHub(NodeIdentity node, ILogger logger) : IClusterEvents
{
    /// <summary>PostgreSQL's NOTIFY payload limit is 8000 bytes; the envelope takes some.</summary>
    public const int MaxPayloadBytes = 7000;

    private readonly ConcurrentDictionary<string, ImmutableSubscribers> _subscribers = new(StringComparer.Ordinal);

    public string Node => node.Id;

    public abstract Task PublishAsync(string topic, string payload, CancellationToken cancellationToken);

    public IDisposable Subscribe(string topic, Action<ClusterEvent> handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(handler);
        _subscribers.AddOrUpdate(topic, _ => new([handler]), (_, list) => new([.. list.Handlers, handler]));
        return new Subscription(() => _subscribers.AddOrUpdate(topic, _ => new([]), (_, list) => new([.. list.Handlers.Where(h => h != handler)])));
    }

    /// <summary>Checks a topic and payload before publishing (valid JSON, small enough).</summary>
    protected static void Check(string topic, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(payload);
        if (System.Text.Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
        {
            throw new ArgumentException($"A cluster event's payload is at most {MaxPayloadBytes} bytes; '{topic}' carried more. Send an id and let the nodes read the rest from the database.", nameof(payload));
        }

        using var _ = JsonDocument.Parse(payload);
    }

    /// <summary>Hands an event to this node's subscribers of its topic; a failing handler is logged, the others still run.</summary>
    protected void Deliver(ClusterEvent clusterEvent)
    {
        if (!_subscribers.TryGetValue(clusterEvent.Topic, out var list))
        {
            return;
        }

        foreach (var handler in list.Handlers)
        {
            try
            {
                handler(clusterEvent);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogHandlerFailed(logger, clusterEvent.Topic, ex);
            }
        }
    }

    private sealed record ImmutableSubscribers(Action<ClusterEvent>[] Handlers);

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A handler of cluster event '{Topic}' failed")]
    private static partial void LogHandlerFailed(ILogger logger, string topic, Exception exception);
}

/// <summary>One node (SQLite): events stay in this process.</summary>
public sealed class LocalClusterEvents(NodeIdentity node, ILogger<LocalClusterEvents> logger) : ClusterEventHub(node, logger)
{
    public override Task PublishAsync(string topic, string payload, CancellationToken cancellationToken)
    {
        Check(topic, payload);
        Deliver(new ClusterEvent(topic, payload, Node));
        return Task.CompletedTask;
    }
}
