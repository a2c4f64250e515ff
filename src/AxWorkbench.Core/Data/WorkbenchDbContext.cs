using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Data;

/// <summary>
/// The workbench's feature data: one context, one model, one migration history ("__Migrations_Data").
/// Data references no feature: each feature maps its own tables with <see cref="IEntityTypeConfiguration{TEntity}"/>
/// classes in its own folder (found here by assembly scan) and reaches them through <c>db.Set&lt;T&gt;()</c> or the
/// extension properties it declares beside them (e.g. <c>db.Sessions</c> in Conversations).
/// </summary>
public sealed class WorkbenchDbContext(DbContextOptions<WorkbenchDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__Migrations_Data";

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WorkbenchDbContext).Assembly);
}
