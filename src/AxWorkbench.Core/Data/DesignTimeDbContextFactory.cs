using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AxWorkbench.Core.Data;

/// <summary>Used by `dotnet ef migrations add` only.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<WorkbenchDbContext>
{
    public WorkbenchDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<WorkbenchDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
