using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using AxWorkbench.Core.Tests.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Cluster;

/// <summary>
/// One workbench node in a test: a started host with retrieval and the cluster feature over the shared database of
/// <paramref name="directory"/> (a SQLite file there, or the PostgreSQL database named after it) and an index folder
/// of its own, named after the node. Two of these on one directory are two nodes on one database.
/// </summary>
public sealed class ClusterNode(IHost host, string directory, DbProvider provider, string node) : IAsyncDisposable
{
    public IHost Host { get; } = host;

    public string Directory { get; } = directory;

    public DbProvider Provider { get; } = provider;

    public string Node { get; } = node;

    public RetrievalService Retrieval => Host.Services.GetRequiredService<RetrievalService>();

    public DocumentLibrary Documents => Host.Services.GetRequiredService<DocumentLibrary>();

    public RetrievalChangeFollower Follower => Host.Services.GetRequiredService<RetrievalChangeFollower>();

    public IClusterEvents Events => Host.Services.GetRequiredService<IClusterEvents>();

    public static async Task<ClusterNode> StartAsync(string directory, DbProvider provider, string node, Dictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Data:NodeId"] = node,
            ["Retrieval:IndexDirectory"] = "index-" + node,
            ["Retrieval:ChunkWords"] = "60",
            ["Retrieval:OverlapWords"] = "10",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbedder());
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddRetrieval();
        builder.AddDocuments(); // deletion (its retrieval removal goes through the change log)
        builder.AddCluster();
        configure?.Invoke(builder);
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await host.StartAsync();
        if (host.Services.GetRequiredService<IClusterEvents>() is PostgresClusterEvents listener)
        {
            await listener.Listening.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await host.Services.GetRequiredService<RetrievalIndexHost>().GetAsync(default);
        return new ClusterNode(host, directory, provider, node);
    }

    /// <summary>Stops this node only (the database stays for the others).</summary>
    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }

    /// <summary>
    /// Kills this node as far as a test can: the host is disposed without a graceful stop, so its background services'
    /// tokens are cancelled but nothing is released or finished (work frozen in a dependency stays frozen).
    /// </summary>
    public async ValueTask KillAsync()
    {
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }

        TestDatabase.ClearPools();
    }

    /// <summary>Drops the shared database and folder once every node on it is stopped.</summary>
    public static async Task DropAsync(DbProvider provider, string directory)
    {
        TestDatabase.ClearPools();
        await TestDatabase.DropAsync(provider, directory);
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }
}
