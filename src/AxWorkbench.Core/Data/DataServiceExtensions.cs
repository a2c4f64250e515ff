using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Data;

public static class DataServiceExtensions
{
    /// <summary>SQLite through EF Core: one context per operation from <see cref="IDbContextFactory{TContext}"/>.</summary>
    public static IHostApplicationBuilder AddWorkbenchData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DataOptions>()
            .Bind(builder.Configuration.GetSection(DataOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchDbContext<WorkbenchDbContext>(historyTable: null);
        // Identity's stores need a scoped context; it lives for one request (login/logout endpoints)
        // or one revalidation scope, never for a whole circuit.
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContext());
        builder.Services.AddSingleton<DatabaseInitializer>();
        return builder;
    }

    /// <summary>
    /// Registers a feature's own context on the shared database (same file, same pragmas), with its own
    /// migrations and migration history table, migrated at start by <see cref="DatabaseInitializer"/>.
    /// Features own their tables this way, so their migrations never collide.
    /// </summary>
    /// <param name="historyTable">The feature's migration history table, e.g. "__Migrations_Audit"; null for EF's default.</param>
    public static IHostApplicationBuilder AddWorkbenchDbContext<TContext>(this IHostApplicationBuilder builder, string? historyTable)
        where TContext : DbContext
    {
        var contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddDbContextFactory<TContext>((sp, options) =>
            Configure(options, sp.GetRequiredService<IOptions<DataOptions>>().Value, contentRoot, historyTable));
        builder.Services.AddSingleton<IMigratedContext, MigratedContext<TContext>>();
        return builder;
    }

    /// <summary>The one place that says how a context reaches the database.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DataOptions data, string contentRoot, string? historyTable) =>
        options.UseSqlite(data.ResolveConnectionString(contentRoot), sqlite =>
            {
                if (historyTable is not null)
                {
                    sqlite.MigrationsHistoryTable(historyTable);
                }
            })
            .AddInterceptors(new SqlitePragmaInterceptor(data.BusyTimeoutSeconds));
}

/// <summary>A context whose migrations are applied at start.</summary>
public interface IMigratedContext
{
    string Name { get; }

    Task MigrateAsync(CancellationToken cancellationToken);
}

internal sealed class MigratedContext<TContext>(IDbContextFactory<TContext> factory) : IMigratedContext
    where TContext : DbContext
{
    public string Name => typeof(TContext).Name;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }
}
