using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Lightweighting;

public static class LightweightingServiceExtensions
{
    /// <summary>
    /// The lightweighting lab: its options ("Lightweighting"), its tables (own migrations), the lab service (and its job runner: jobs in the shared jobs
    /// table, "Jobs" leases) and the audit seam (a logging default; the workbench audit log replaces it by registering <see cref="ILabAuditTrail"/> first).
    /// Needs the inference engine (AddInference).
    /// </summary>
    public static IHostApplicationBuilder AddLightweighting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<LightweightingOptions>()
            .Bind(builder.Configuration.GetSection(LightweightingOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchData();
        builder.Services.TryAddSingleton<ILabAuditTrail, LoggingLabAuditTrail>();
        builder.AddJobQueue();
        if (!builder.Services.Any(s => s.ServiceType == typeof(LightweightingLab)))
        {
            builder.Services.AddSingleton<LightweightingLab>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<LightweightingLab>());
        }

        return builder;
    }
}
