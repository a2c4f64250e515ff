using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// A host over a real database in a fresh temporary folder, deleted at the end: a SQLite file in the folder, or a
/// PostgreSQL database of its own (<see cref="TestDatabase"/>), dropped at the end.
/// </summary>
public sealed class TempDataHost : IAsyncDisposable
{
    private TempDataHost(IHost host, string directory, DbProvider provider)
    {
        Host = host;
        Directory = directory;
        Provider = provider;
    }

    public IHost Host { get; }

    public string Directory { get; }

    public DbProvider Provider { get; }

    public IServiceProvider Services => Host.Services;

    /// <param name="directory">An existing data folder to start on (it is deleted at the end too); a fresh one by default.</param>
    public static async Task<TempDataHost> StartAsync(MarkingSchemeKind scheme = MarkingSchemeKind.Us, Dictionary<string, string?>? settings = null, string? directory = null,
        DbProvider provider = DbProvider.Sqlite)
    {
        directory ??= NewDirectory();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Markings:Scheme"] = scheme.ToString(),
            ["Demo:Password"] = "Test-Password-123",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddWorkbenchIdentityCore();
        var host = builder.Build();
        try
        {
            await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        }
        catch
        {
            host.Dispose();
            await TestDatabase.DropAsync(provider, directory);
            throw;
        }
        return new TempDataHost(host, directory, provider);
    }

    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));

    public async ValueTask DisposeAsync()
    {
        Host.Dispose();
        await Task.Yield();
        TestDatabase.ClearPools();
        await TestDatabase.DropAsync(Provider, Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on some platform: the temp folder is cleaned by the OS.
        }
    }
}
