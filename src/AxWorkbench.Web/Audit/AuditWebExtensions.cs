using AxWorkbench.Core.Audit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AxWorkbench.Web.Audit;

public static class AuditWebExtensions
{
    /// <summary>The audit log (Core) plus who is acting on the web.</summary>
    public static WebApplicationBuilder AddAuditWeb(this WebApplicationBuilder builder)
    {
        builder.AddWorkbenchAudit();
        builder.Services.AddHttpContextAccessor();
        builder.Services.Replace(ServiceDescriptor.Scoped<IAuditActorSource, WebAuditActorSource>());
        builder.Services.AddScoped<AdminOperations>();
        return builder;
    }
}
