using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Backup;

public static class BackupServiceExtensions
{
    /// <summary>Backup and restore (<see cref="WorkbenchBackup"/>): SQLite (VACUUM INTO) and PostgreSQL (pg_dump / pg_restore), picked by Data:Provider.</summary>
    public static IHostApplicationBuilder AddWorkbenchBackup(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDatabaseBackup, SqliteDatabaseBackup>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDatabaseBackup, PostgresDatabaseBackup>());
        builder.Services.TryAddSingleton<WorkbenchBackup>();
        return builder;
    }
}
