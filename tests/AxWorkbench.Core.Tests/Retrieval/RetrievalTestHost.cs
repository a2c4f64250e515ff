using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>A started host with retrieval over a real SQLite file and a real on-disk index in a temp folder.</summary>
public sealed class RetrievalTestHost : IAsyncDisposable
{
    private RetrievalTestHost(IHost host, string directory)
    {
        Host = host;
        Directory = directory;
    }

    /// <summary>The database provider (SQLite file in the folder, or a PostgreSQL database named after it).</summary>
    public DbProvider Provider { get; private init; }

    public IHost Host { get; }

    public string Directory { get; }

    public RetrievalService Service => Host.Services.GetRequiredService<RetrievalService>();

    public RetrievalIndexHost IndexHost => Host.Services.GetRequiredService<RetrievalIndexHost>();

    public static async Task<RetrievalTestHost> StartAsync(string? directory = null, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, DbProvider provider = DbProvider.Sqlite)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Retrieval:ChunkWords"] = "60",
            ["Retrieval:OverlapWords"] = "10",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        builder.Services.AddSingleton(embedder ?? new HashingEmbedder());
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddRetrieval();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await host.StartAsync();
        return new RetrievalTestHost(host, directory) { Provider = provider };
    }

    public async Task StopAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        TestDatabase.ClearPools();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            await TestDatabase.DropAsync(Provider, Directory);
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }

    public static WorkbenchActor User(ClassificationLevel clearance, string unit, string id = "analyst", params string[] caveats) =>
        new(id, id, [Roles.Analyst], new UserAuthorization(clearance, caveats.ToHashSet()), unit);

    /// <summary>Someone filing documents: a library's owner (or not), or an administrator.</summary>
    public static WorkbenchActor Owner(string id, bool admin = false) =>
        new(id, id, admin ? [Roles.Admin] : [Roles.Analyst], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>()));

    public static IndexedDocument Brief(string title, Marking marking, params string[] pages) =>
        new(Guid.NewGuid(), 1, title, marking, [.. pages.Select((p, i) => new DocumentPage(i + 1, p))]);
}
