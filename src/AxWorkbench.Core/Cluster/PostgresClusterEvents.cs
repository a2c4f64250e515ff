using System.Text.Json;
using AxWorkbench.Core.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AxWorkbench.Core.Cluster;

/// <summary>
/// Cluster events over PostgreSQL LISTEN/NOTIFY. Listening holds one long-lived connection of its own (not from the
/// pool EF uses); when the server goes away it logs once, retries every <see cref="ClusterOptions.ReconnectMilliseconds"/>,
/// and after reconnecting raises <see cref="ClusterTopics.Reconnected"/> locally so followers catch up from the
/// database. Publishing is <c>pg_notify</c> on a pooled connection; this node's subscribers get the event at once.
/// </summary>
public sealed partial class PostgresClusterEvents : ClusterEventHub, IHostedService, IDisposable
{
    /// <summary>The one PostgreSQL channel every node listens on.</summary>
    public const string Channel = "axwb_cluster";

    /// <summary>The listener connection's application_name (seen in pg_stat_activity).</summary>
    public const string ListenerApplicationName = "axwb-cluster-listener";

    private readonly string _connectionString;
    private readonly NpgsqlDataSource _publisher;
    private readonly TimeSpan _reconnect;
    private readonly ILogger<PostgresClusterEvents> _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private int _disposed;

    public PostgresClusterEvents(IOptions<DataOptions> data, IOptions<ClusterOptions> options, IHostEnvironment environment, NodeIdentity node, ILogger<PostgresClusterEvents> logger)
        : base(node, logger)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _logger = logger;
        _reconnect = TimeSpan.FromMilliseconds(options.Value.ReconnectMilliseconds);
        var builder = new NpgsqlConnectionStringBuilder(data.Value.ResolveConnectionString(environment.ContentRootPath));
        _publisher = NpgsqlDataSource.Create(builder.ConnectionString);
        // The listener: no pooling (it is held for the process), keepalives so a dead server is noticed while waiting.
        builder.Pooling = false;
        builder.ApplicationName = ListenerApplicationName;
        builder.KeepAlive = Math.Max(1, options.Value.ReconnectMilliseconds / 1000);
        _connectionString = builder.ConnectionString;
    }

    /// <summary>Completes when the listener is connected the first time (tests wait on it).</summary>
    public Task Listening => _listening.Task;

    public override async Task PublishAsync(string topic, string payload, CancellationToken cancellationToken)
    {
        Check(topic, payload);
        Deliver(new ClusterEvent(topic, payload, Node));
        var envelope = JsonSerializer.Serialize(new Envelope(Node, topic, payload));
        await using var command = _publisher.CreateCommand("SELECT pg_notify(@channel, @payload)");
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", envelope);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var lost = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(cancellationToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                _listening.TrySetResult();
                if (lost)
                {
                    lost = false;
                    LogReconnected(_logger);
                    Deliver(new ClusterEvent(ClusterTopics.Reconnected, "{}", Node));
                }

                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException or InvalidOperationException)
            {
                if (!lost)
                {
                    lost = true;
                    LogListenerLost(_logger, ex.Message, (int)_reconnect.TotalMilliseconds);
                }
            }

            try
            {
                await Task.Delay(_reconnect, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(e.Payload);
        }
        catch (JsonException)
        {
            envelope = null;
        }

        if (envelope is null || envelope.Node == Node)
        {
            return;
        }

        Deliver(new ClusterEvent(envelope.Topic, envelope.Payload, envelope.Node));
    }

    /// <summary>Idempotent: the container disposes this once as itself and once as <see cref="IClusterEvents"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _stop.Dispose();
        _publisher.Dispose();
    }

    private sealed record Envelope(string Node, string Topic, string Payload);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster events: lost the PostgreSQL listener ({Reason}); other nodes' events are not received until it reconnects (retrying every {Milliseconds} ms)")]
    private static partial void LogListenerLost(ILogger logger, string reason, int milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster events: PostgreSQL listener reconnected")]
    private static partial void LogReconnected(ILogger logger);
}
