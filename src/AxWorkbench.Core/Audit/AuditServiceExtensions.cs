using AxWorkbench.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Audit;

public static class AuditServiceExtensions
{
    /// <summary>
    /// The audit log: its table, the single writer (<see cref="IAuditLog"/>), the verifier and the reader.
    /// Safe to call more than once (identity calls it, since every user change is audited).
    /// </summary>
    public static IHostApplicationBuilder AddWorkbenchAudit(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(AuditLog)))
        {
            return builder;
        }
        builder.Services.AddOptionsWithValidateOnStart<AuditOptions>()
            .Bind(builder.Configuration.GetSection(AuditOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchData();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
        builder.Services.AddSingleton<AuditVerifier>();
        builder.Services.AddSingleton<AuditReader>();
        builder.Services.TryAddScoped<IAuditActorSource, ProcessAuditActorSource>();
        return builder;
    }
}
