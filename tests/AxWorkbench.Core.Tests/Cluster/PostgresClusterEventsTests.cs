using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Tests.Data;
using Npgsql;

namespace AxWorkbench.Core.Tests.Cluster;

/// <summary>LISTEN/NOTIFY between two nodes on one PostgreSQL database, and the listener coming back by itself.</summary>
public sealed class PostgresClusterEventsTests : IAsyncLifetime
{
    private readonly string _directory = TempDataHost.NewDirectory();
    private ClusterNode _a = null!;
    private ClusterNode _b = null!;

    public async Task InitializeAsync()
    {
        _a = await ClusterNode.StartAsync(_directory, DbProvider.Postgres, "node-a");
        _b = await ClusterNode.StartAsync(_directory, DbProvider.Postgres, "node-b");
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await ClusterNode.DropAsync(DbProvider.Postgres, _directory);
    }

    [Fact]
    public async Task EventPublishedOnA_ReachesBothNodes_OnceEach_WithItsOrigin()
    {
        var onA = new List<ClusterEvent>();
        var onB = new TaskCompletionSource<ClusterEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = _a.Events.Subscribe(ClusterTopics.UserChanged, e => { lock (onA) { onA.Add(e); } });
        using var b = _b.Events.Subscribe(ClusterTopics.UserChanged, e => onB.TrySetResult(e));

        await _a.Events.PublishAsync(ClusterTopics.UserChanged, """{"userId":"kim"}""", default);
        var received = await onB.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new ClusterEvent(ClusterTopics.UserChanged, """{"userId":"kim"}""", "node-a"), received);
        Assert.Single(onA);
    }

    [Fact]
    public async Task OversizedOrInvalidPayload_IsRefused_NamingTheProblem()
    {
        var big = await Assert.ThrowsAsync<ArgumentException>(() => _a.Events.PublishAsync("t", $"\"{new string('x', 8000)}\"", default));
        Assert.Contains("at most", big.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => _a.Events.PublishAsync("t", "not json", default));
    }

    [Fact]
    public async Task ListenerConnectionKilled_Reconnects_AndEventsFlowAgain()
    {
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var r = _b.Events.Subscribe(ClusterTopics.Reconnected, _ => reconnected.TrySetResult());
        await using (var admin = new NpgsqlConnection(TestDatabase.ConnectionString(_directory)))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", admin);
            kill.Parameters.AddWithValue("name", PostgresClusterEvents.ListenerApplicationName);
            Assert.Equal(2L, (long)(await kill.ExecuteScalarAsync())!);
        }

        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var onB = new TaskCompletionSource<ClusterEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var b = _b.Events.Subscribe(ClusterTopics.SessionViewed, e => onB.TrySetResult(e));
        await _a.Events.PublishAsync(ClusterTopics.SessionViewed, """{"ownerId":"kim"}""", default);
        Assert.Equal("node-a", (await onB.Task.WaitAsync(TimeSpan.FromSeconds(10))).Node);
    }
}
