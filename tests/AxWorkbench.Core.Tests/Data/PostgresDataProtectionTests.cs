using AxWorkbench.Core.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// Data:Provider=Postgres keeps the Data Protection key ring in the database: what one node protects (a login
/// cookie) another node, with its own data folder, unprotects.
/// </summary>
public sealed class PostgresDataProtectionTests
{
    private static async Task<IHost> NodeAsync(string directory, Dictionary<string, string?> database)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Data:DataDirectory"] = directory });
        builder.Configuration.AddInMemoryCollection(database);
        builder.AddWorkbenchDataProtection();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        return host;
    }

    [Fact]
    public async Task PostgresKeys_WhatNodeAProtects_NodeBUnprotects_AndNoKeyFileIsWritten()
    {
        var nodeA = TempDataHost.NewDirectory();
        var nodeB = TempDataHost.NewDirectory();
        var database = await TestDatabase.SettingsAsync(DbProvider.Postgres, nodeA);
        try
        {
            string protectedText;
            using (var a = await NodeAsync(nodeA, database))
            {
                protectedText = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Protect("analyst ticket");
            }
            using var b = await NodeAsync(nodeB, database);

            Assert.Equal("analyst ticket", b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Unprotect(protectedText));
            await using var keys = await b.Services.GetRequiredService<IDbContextFactory<WorkbenchKeysDbContext>>().CreateDbContextAsync();
            Assert.Equal(1, await keys.DataProtectionKeys.CountAsync());
            Assert.False(Directory.Exists(Path.Combine(nodeA, "keys")));
            Assert.False(Directory.Exists(Path.Combine(nodeB, "keys")));
        }
        finally
        {
            await TestDatabase.DropAsync(DbProvider.Postgres, nodeA);
            foreach (var directory in (string[])[nodeA, nodeB])
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    [Fact]
    public async Task SqliteKeys_StayFilesInTheDataFolder()
    {
        var directory = TempDataHost.NewDirectory();
        try
        {
            using (var host = await NodeAsync(directory, []))
            {
                _ = host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Protect("x");
                Assert.Null(host.Services.GetService<IDbContextFactory<WorkbenchKeysDbContext>>());
            }
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(directory, "keys"), "key-*.xml"));
        }
        finally
        {
            TestDatabase.ClearPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
