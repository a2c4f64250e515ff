using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AxWorkbench.Core.Data;

/// <summary>A context whose migrations are applied at start.</summary>
public interface IMigratedContext
{
    string Name { get; }

    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// SQL that creates the context's history table and records its first (baseline) migration as applied, for a
    /// database whose schema already is that baseline (see <see cref="LegacySchema"/>).
    /// </summary>
    Task<string> BaselineScriptAsync(CancellationToken cancellationToken);
}

internal sealed class MigratedContext<TContext>(IDbContextFactory<TContext> factory) : IMigratedContext
    where TContext : DbContext
{
    private static readonly string EfVersion =
        typeof(DbContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "10.0.0";

    public string Name => typeof(TContext).Name;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }

    public async Task<string> BaselineScriptAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var baseline = db.Database.GetMigrations().FirstOrDefault()
            ?? throw new DatabaseConfigurationException($"{Name} has no migrations to record as its baseline.");
        var history = db.GetService<IHistoryRepository>();
        return history.GetCreateIfNotExistsScript() + Environment.NewLine + history.GetInsertScript(new HistoryRow(baseline, EfVersion));
    }
}
