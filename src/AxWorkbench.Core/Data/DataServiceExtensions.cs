using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Data;

public static class DataServiceExtensions
{
    /// <summary>The assembly that holds the PostgreSQL migrations of every context (the SQLite ones live in Core).</summary>
    public const string PostgresMigrationsAssembly = "AxWorkbench.Migrations.Postgres";

    /// <summary>
    /// SQLite or PostgreSQL (Data:Provider) through EF Core: the feature-data context (<see cref="WorkbenchDbContext"/>),
    /// one context per operation from <see cref="IDbContextFactory{TContext}"/>, migrated at start by
    /// <see cref="DatabaseInitializer"/>. Safe to call more than once.
    /// </summary>
    public static IHostApplicationBuilder AddWorkbenchData(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(DatabaseInitializer)))
        {
            return builder;
        }
        var configuration = builder.Configuration;
        builder.Services.AddOptionsWithValidateOnStart<DataOptions>()
            .Bind(configuration.GetSection(DataOptions.SectionName))
            .PostConfigure(data =>
            {
                var named = configuration.GetConnectionString(DataOptions.ConnectionStringName);
                if (!string.IsNullOrWhiteSpace(named))
                {
                    data.ConnectionString = named;
                }
            })
            .ValidateDataAnnotations()
            .Validate(data => !data.IsPostgres || !string.IsNullOrWhiteSpace(data.ConnectionString),
                $"{DataOptions.ConnectionStringSetting} must be set when Data:Provider is Postgres " +
                "(e.g. 'Host=db.example;Port=5432;Username=axwb;Password=...;Database=axwb').")
            .Validate(data => !data.IsPostgres || string.IsNullOrWhiteSpace(data.ConnectionString) || PostgresDatabase.ParseError(data.ConnectionString) is null,
                $"{DataOptions.ConnectionStringSetting} is not a valid PostgreSQL connection string (keys such as Host, Port, Username, Password, Database).");
        builder.AddWorkbenchDbContext<WorkbenchDbContext>(WorkbenchDbContext.HistoryTable);
        builder.Services.AddSingleton<DatabaseInitializer>();
        builder.Services.AddSingleton(sp => new NodeIdentity(sp.GetRequiredService<IOptions<DataOptions>>().Value));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SqliteWalCheckpointer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SqliteWalCheckpointer>());
        builder.Services.AddHostedService<SqliteWriteQueueMonitor>();
        return builder;
    }

    /// <summary>
    /// Registers another context on the same database (same file or server, same settings) with its own migrations and
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
        data.IsPostgres
            ? options.UseNpgsql(data.ResolveConnectionString(contentRoot), npgsql =>
            {
                npgsql.MigrationsAssembly(PostgresMigrationsAssembly);
                if (historyTable is not null)
                {
                    npgsql.MigrationsHistoryTable(historyTable);
                }
            })
            : options.UseSqlite(data.ResolveConnectionString(contentRoot), sqlite =>
                {
                    if (historyTable is not null)
                    {
                        sqlite.MigrationsHistoryTable(historyTable);
                    }
                })
                .AddInterceptors(data.SqliteWriteQueue
                    ? [new SqlitePragmaInterceptor(data.BusyTimeoutSeconds, data.WalSizeLimitBytes), new SqliteWriteGateInterceptor(data.BusyTimeoutSeconds)]
                    : [new SqlitePragmaInterceptor(data.BusyTimeoutSeconds, data.WalSizeLimitBytes)]);
}
