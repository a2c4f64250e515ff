using AxWorkbench.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Cluster;

public static class ClusterServiceExtensions
{
    /// <summary>
    /// Cross-node events (<see cref="IClusterEvents"/>: LISTEN/NOTIFY on PostgreSQL, in process on SQLite) and the
    /// follower that keeps this node's retrieval index in step with the change log. Needs AddRetrieval first.
    /// </summary>
    public static IHostApplicationBuilder AddCluster(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(RetrievalChangeFollower)))
        {
            return builder;
        }

        builder.AddClusterEvents();
        builder.Services.AddHostedService<ClusterEventsStarter>();
        builder.Services.AddSingleton<RetrievalChangeFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetrievalChangeFollower>());
        return builder;
    }

    /// <summary>
    /// Publishing cluster events without listening (nothing is started): what a short-lived process such as an operator
    /// command needs to tell the running nodes of a change it made. On PostgreSQL a publish is one <c>pg_notify</c>
    /// every node's listener receives; on SQLite (one node, no notifications between processes) it reaches this process only.
    /// </summary>
    public static IHostApplicationBuilder AddClusterEvents(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(IClusterEvents)))
        {
            return builder;
        }

        builder.Services.AddOptionsWithValidateOnStart<ClusterOptions>()
            .Bind(builder.Configuration.GetSection(ClusterOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchData();
        builder.Services.AddSingleton<LocalClusterEvents>();
        builder.Services.AddSingleton<PostgresClusterEvents>();
        builder.Services.AddSingleton<IClusterEvents>(sp => sp.GetRequiredService<IOptions<DataOptions>>().Value.IsPostgres
            ? sp.GetRequiredService<PostgresClusterEvents>()
            : sp.GetRequiredService<LocalClusterEvents>());
        return builder;
    }

    /// <summary>Starts the PostgreSQL listener when the provider is PostgreSQL (nothing to start for SQLite).</summary>
    private sealed class ClusterEventsStarter(IClusterEvents events) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            events is IHostedService hosted ? hosted.StartAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) =>
            events is IHostedService hosted ? hosted.StopAsync(cancellationToken) : Task.CompletedTask;
    }
}
