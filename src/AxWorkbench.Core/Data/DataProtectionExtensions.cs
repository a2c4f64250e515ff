using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Data;

public static class DataProtectionExtensions
{
    /// <summary>The application name every node shares (keys are isolated per application name).</summary>
    public const string ApplicationName = "AxWorkbench";

    /// <summary>
    /// Keys that protect the login cookie live with the data, so sign-ins survive a restart: in the database on
    /// PostgreSQL (<see cref="WorkbenchKeysDbContext"/>, migrated at start like the other contexts, shared by every
    /// node), under {DataDirectory}/keys on SQLite.
    /// </summary>
    public static IDataProtectionBuilder AddWorkbenchDataProtection(this IHostApplicationBuilder builder)
    {
        builder.AddWorkbenchData();
        var data = builder.Configuration.GetSection(DataOptions.SectionName).Get<DataOptions>() ?? new DataOptions();
        var protection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        if (data.IsPostgres)
        {
            builder.AddWorkbenchDbContext<WorkbenchKeysDbContext>(WorkbenchKeysDbContext.HistoryTable);
            return protection.PersistKeysToDbContext<WorkbenchKeysDbContext>();
        }
        return protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data.ResolveDataDirectory(builder.Environment.ContentRootPath), "keys")));
    }
}
