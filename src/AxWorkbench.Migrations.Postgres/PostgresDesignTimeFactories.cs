using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AxWorkbench.Migrations.Postgres;

/// <summary>
/// For `dotnet ef migrations add` with this project as both project and startup project (tools/add-migration.sh):
/// the contexts on Npgsql. Scaffolding never connects, so the connection string only has to parse.
/// </summary>
public abstract class PostgresDesignTimeFactory<TContext>(string historyTable) : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>();
        var data = new DataOptions
        {
            Provider = DataOptions.Postgres,
            DataDirectory = Path.GetTempPath(),
            ConnectionString = "Host=localhost;Database=axwb_design;Username=axwb",
        };
        DataServiceExtensions.Configure(options, data, Path.GetTempPath(), historyTable);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }
}

internal sealed class PostgresDataDesignTimeFactory() : PostgresDesignTimeFactory<WorkbenchDbContext>(WorkbenchDbContext.HistoryTable);

internal sealed class PostgresIdentityDesignTimeFactory() : PostgresDesignTimeFactory<WorkbenchIdentityDbContext>(WorkbenchIdentityDbContext.HistoryTable);

internal sealed class PostgresKeysDesignTimeFactory() : PostgresDesignTimeFactory<WorkbenchKeysDbContext>(WorkbenchKeysDbContext.HistoryTable);
