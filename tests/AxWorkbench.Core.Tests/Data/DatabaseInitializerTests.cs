using AxWorkbench.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Data;

public sealed class SqliteDatabaseInitializerTests() : DatabaseInitializerTests(DbProvider.Sqlite);

public sealed class PostgresDatabaseInitializerTests() : DatabaseInitializerTests(DbProvider.Postgres);

/// <summary>What holds on both providers: a fresh database is fully migrated and every context matches its snapshot.</summary>
public abstract class DatabaseInitializerTests(DbProvider provider)
{
    [Fact]
    public async Task Initialize_FreshDatabase_HasEveryContextsMigrationsApplied()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(provider == DbProvider.Postgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
        await using var scope = host.Services.CreateAsyncScope();
        var identity = scope.ServiceProvider.GetRequiredService<AxWorkbench.Core.Identity.WorkbenchIdentityDbContext>();
        Assert.Empty(await identity.Database.GetPendingMigrationsAsync());
    }

    /// <summary>
    /// SQLite migrations may be written by hand on branches (the PostgreSQL ones come from tools/add-migration.sh): the
    /// model each context builds must be the one its last migration's snapshot describes, on each provider, or a fresh
    /// database would lack what the code expects.
    /// </summary>
    [Fact]
    public async Task EveryContextsModel_MatchesItsMigrationsSnapshot()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);

        await using var data = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        await using var scope = host.Services.CreateAsyncScope();
        var identity = scope.ServiceProvider.GetRequiredService<AxWorkbench.Core.Identity.WorkbenchIdentityDbContext>();

        Assert.False(data.Database.HasPendingModelChanges(), "WorkbenchDbContext's model differs from its migrations' snapshot.");
        Assert.False(identity.Database.HasPendingModelChanges(), "WorkbenchIdentityDbContext's model differs from its migrations' snapshot.");
        var migrations = data.Database.GetMigrations().ToList();
        Assert.Equal(migrations.Count, migrations.Select(m => m[..14]).Distinct().Count());
    }
}

/// <summary>SQLite only: the file, WAL and synchronous=FULL.</summary>
public sealed class SqliteFileTests
{
    [Fact]
    public async Task Initialize_FreshFolder_CreatesDatabaseFileWithMigrationsApplied()
    {
        await using var host = await TempDataHost.StartAsync();

        Assert.True(File.Exists(Path.Combine(host.Directory, "axworkbench.db")));
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task EveryContextConnection_UsesWalAndSynchronousFull()
    {
        await using var host = await TempDataHost.StartAsync();

        var (journal, synchronous) = await host.Services.GetRequiredService<DatabaseInitializer>().ProbeAsync();

        Assert.Equal("wal", journal);
        Assert.Equal("2", synchronous);
    }

    [Fact]
    public async Task WalMode_IsAPropertyOfTheFile_SeenByAPlainConnection()
    {
        await using var host = await TempDataHost.StartAsync();

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(host.Directory, "axworkbench.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Initialize_DataDirectoryIsAFile_FailsWithAMessageNamingThePath()
    {
        var file = Path.GetTempFileName();
        try
        {
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => TempDataHost.StartAsync(settings: new() { ["Data:DataDirectory"] = file }));
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void DataOptions_RelativeDirectory_ResolvesAgainstContentRoot()
    {
        var options = new DataOptions { DataDirectory = "data" };

        Assert.Equal(Path.GetFullPath("/srv/ax/data"), options.ResolveDataDirectory("/srv/ax"));
        Assert.Contains("Data Source=" + Path.GetFullPath("/srv/ax/data/axworkbench.db"), options.ResolveConnectionString("/srv/ax"), StringComparison.Ordinal);
    }
}
