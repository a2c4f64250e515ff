using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AxWorkbench.Core.Data;

/// <summary>
/// For `dotnet ef migrations add` only (run `dotnet tool restore` once):
/// <c>dotnet ef migrations add Name --project src/AxWorkbench.Core --context WorkbenchDbContext --output-dir Data/Migrations</c>.
/// The Identity context derives its own: <c>internal sealed class IdentityDesignTimeFactory() : DesignTimeFactory&lt;WorkbenchIdentityDbContext&gt;(...)</c>.
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

internal sealed class DesignTimeDbContextFactory() : DesignTimeFactory<WorkbenchDbContext>(WorkbenchDbContext.HistoryTable);
