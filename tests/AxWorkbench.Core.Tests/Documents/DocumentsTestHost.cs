using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>Data + Documents over a real SQLite file and a real parser worker in a fresh temporary folder.</summary>
public sealed class DocumentsTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private DocumentsTestHost(IHost host, string directory)
    {
        _host = host;
        Directory = directory;
    }

    /// <summary>The database provider (SQLite file in the folder, or a PostgreSQL database named after it).</summary>
    public DbProvider Provider { get; private init; }

    public string Directory { get; }

    public DocumentLibrary Library => _host.Services.GetRequiredService<DocumentLibrary>();

    public IServiceProvider Services => _host.Services;

    /// <summary>Stops the host (as at app shutdown) without deleting the data folder.</summary>
    public Task StopAsync() => _host.StopAsync();

    /// <summary>
    /// The host, optionally over an existing data folder (a restart), with extra registrations, and started (hosted
    /// services such as the document job runner running) when <paramref name="start"/> is true.
    /// </summary>
    public static async Task<DocumentsTestHost> StartAsync(Dictionary<string, string?>? settings = null, Action<IHostApplicationBuilder>? configure = null,
        bool start = false, string? directory = null, DbProvider provider = DbProvider.Sqlite)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Markings:Scheme"] = nameof(MarkingSchemeKind.Us),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddDocuments();
        configure?.Invoke(builder);
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        if (start)
        {
            await host.StartAsync();
        }
        return new DocumentsTestHost(host, directory) { Provider = provider };
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeHostAsync();
        try
        {
            await TestDatabase.DropAsync(Provider, Directory);
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS later.
        }
    }

    /// <summary>Disposes the host and keeps the data folder (to start another host over it).</summary>
    public async ValueTask DisposeHostAsync()
    {
        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        TestDatabase.ClearPools();
    }
}
