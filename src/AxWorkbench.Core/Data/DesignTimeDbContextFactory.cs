using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AxWorkbench.Core.Data;

/// <summary>
/// For `dotnet ef migrations add` only. A feature context derives its own factory:
/// <c>internal sealed class AuditDesignTimeFactory() : DesignTimeFactory&lt;AuditDbContext&gt;("__Migrations_Audit");</c>
/// then `dotnet ef migrations add Name --project src/AxWorkbench.Core --context AuditDbContext --output-dir Audit/Migrations`.
/// </summary>
public abstract class DesignTimeFactory<TContext>(string? historyTable) : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>();
        DataServiceExtensions.Configure(options, new DataOptions { DataDirectory = Path.GetTempPath() }, Path.GetTempPath(), historyTable);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }
}

internal sealed class DesignTimeDbContextFactory() : DesignTimeFactory<WorkbenchDbContext>(null);
