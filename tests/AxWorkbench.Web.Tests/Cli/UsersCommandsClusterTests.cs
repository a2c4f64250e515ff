using System.Threading.Channels;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Tests.Data;
using AxWorkbench.Web.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Cli;

/// <summary>
/// The operator's user commands on a shared PostgreSQL (a private server of this test) with a node running on it: the
/// command is its own process-like host (its own connections, no listener) and tells the running nodes through the
/// database (NOTIFY), so the node's <see cref="ClusterTopics.UserChanged"/> handler (what revalidates that user's open
/// circuits) runs at once instead of at the next revalidation.
/// </summary>
public sealed class UsersCommandsClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-cli-cluster-tests", Guid.NewGuid().ToString("N"));
    private PrivatePostgres _server = null!;
    private IHost _node = null!;

    private Dictionary<string, string?> Settings => new()
    {
        ["Data:DataDirectory"] = _directory, ["Markings:Scheme"] = "Us", ["Data:Provider"] = "Postgres", ["ConnectionStrings:Workbench"] = _server.ConnectionString,
    };

    public async Task InitializeAsync()
    {
        _server = await PrivatePostgres.StartAsync();
        Assert.Equal(0, (await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ")).Exit);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Data:NodeId"] = "node-a", ["Data:DataDirectory"] = Path.Combine(_directory, "node-a") });
        builder.AddClusterEvents();
        _node = builder.Build();
        var listener = (PostgresClusterEvents)_node.Services.GetRequiredService<IClusterEvents>();
        await listener.StartAsync(default);
        await listener.Listening.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await ((PostgresClusterEvents)_node.Services.GetRequiredService<IClusterEvents>()).StopAsync(default);
        _node.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }

    [Theory]
    [InlineData("set-clearance", "CONFIDENTIAL")]
    [InlineData("set-roles", "--role", "Supervisor")]
    [InlineData("disable")]
    public async Task UserCommand_OnPostgres_TellsTheRunningNode_AtOnce(string command, params string[] rest)
    {
        var seen = Channel.CreateUnbounded<ClusterEvent>();
        using var subscription = _node.Services.GetRequiredService<IClusterEvents>().Subscribe(ClusterTopics.UserChanged, e => seen.Writer.TryWrite(e));

        var result = await RunAsync(["users", command, "kim", .. rest]);

        Assert.True(result.Exit == 0, result.Error);
        Assert.DoesNotContain("warning", result.Error, StringComparison.Ordinal);
        using var timeout = new CancellationTokenSource(Soon);
        var received = await seen.Reader.ReadAsync(timeout.Token);
        Assert.Equal("kim", received.Read<UserChangedEvent>()?.UserName);
        Assert.NotEqual("node-a", received.Node); // from the command's process, through the database
    }

    [Fact]
    public async Task ReadOnlyUserCommand_TellsNobody()
    {
        var seen = Channel.CreateUnbounded<ClusterEvent>();
        using var subscription = _node.Services.GetRequiredService<IClusterEvents>().Subscribe(ClusterTopics.UserChanged, e => seen.Writer.TryWrite(e));

        Assert.Equal(0, (await RunAsync("users", "list")).Exit);
        // A change made after it is the first event the node sees: `list` published nothing.
        Assert.Equal(0, (await RunAsync("users", "enable", "kim")).Exit);
        using var timeout = new CancellationTokenSource(Soon);
        var first = await seen.Reader.ReadAsync(timeout.Token);
        Assert.Equal("kim", first.Read<UserChangedEvent>()?.UserName);
        await Task.Delay(500);
        Assert.False(seen.Reader.TryRead(out _), "one change, one event");
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, Settings);
        return (exit, output.ToString(), error.ToString());
    }
}
