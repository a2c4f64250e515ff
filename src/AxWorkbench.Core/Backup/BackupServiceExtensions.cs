using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Backup;

public static class BackupServiceExtensions
{
    /// <summary>Backup and restore (<see cref="WorkbenchBackup"/>) with the SQLite provider; another provider adds its own <see cref="IDatabaseBackup"/>.</summary>
    public static IHostApplicationBuilder AddWorkbenchBackup(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDatabaseBackup, SqliteDatabaseBackup>());
        builder.Services.TryAddSingleton<WorkbenchBackup>();
        return builder;
    }
}
