using AxWorkbench.Core.Lightweighting;

namespace AxWorkbench.Web.Lightweighting;

public static class LightweightingWebExtensions
{
    /// <summary>The lightweighting lab (Core) whose quantize, evaluate and promote steps are written to the audit log.</summary>
    public static WebApplicationBuilder AddLightweightingWeb(this WebApplicationBuilder builder)
    {
        // Registered before the Core default (a logging trail), which is only added when none is.
        builder.Services.AddSingleton<ILabAuditTrail, AuditLogLabTrail>();
        builder.AddLightweighting();
        return builder;
    }
}
