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

        var contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddDbContextFactory<WorkbenchDbContext>((sp, options) =>
        {
            var data = sp.GetRequiredService<IOptions<DataOptions>>().Value;
            options.UseSqlite(data.ResolveConnectionString(contentRoot))
                .AddInterceptors(new SqlitePragmaInterceptor(data.BusyTimeoutSeconds));
        });
        // Identity's stores need a scoped context; it lives for one request (login/logout endpoints)
        // or one revalidation scope, never for a whole circuit.
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContext());
        builder.Services.AddSingleton<DatabaseInitializer>();
        return builder;
    }
}
