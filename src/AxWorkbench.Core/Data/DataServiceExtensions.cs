using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Data;

public static class DataServiceExtensions
{
    /// <summary>
    /// SQLite through EF Core: the feature-data context (<see cref="WorkbenchDbContext"/>), one context per operation
    /// from <see cref="IDbContextFactory{TContext}"/>, migrated at start by <see cref="DatabaseInitializer"/>.
    /// Safe to call more than once.
    /// </summary>
    public static IHostApplicationBuilder AddWorkbenchData(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(DatabaseInitializer)))
        {
            return builder;
        }
        builder.Services.AddOptionsWithValidateOnStart<DataOptions>()
            .Bind(builder.Configuration.GetSection(DataOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchDbContext<WorkbenchDbContext>(WorkbenchDbContext.HistoryTable);
        builder.Services.AddSingleton<DatabaseInitializer>();
        return builder;
    }

    /// <summary>
    /// Registers another context on the same database (same file, same pragmas) with its own migrations and
    /// migration history table, migrated at start by <see cref="DatabaseInitializer"/>. Only a context with a reason
    /// to stand apart earns this (today: ASP.NET Identity's, whose model is fixed by its base class).
    /// </summary>
    /// <param name="historyTable">The context's migration history table, e.g. "__Migrations_Identity".</param>
    public static IHostApplicationBuilder AddWorkbenchDbContext<TContext>(this IHostApplicationBuilder builder, string historyTable)
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
