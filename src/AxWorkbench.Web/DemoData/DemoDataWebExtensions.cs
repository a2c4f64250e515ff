namespace AxWorkbench.Web.DemoData;

public static class DemoDataWebExtensions
{
    /// <summary>On a fresh demo install, the fictional briefs are imported in the background after start (Demo:Briefs).</summary>
    public static WebApplicationBuilder AddDemoDataWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddHostedService<DemoBriefsSeeder>();
        return builder;
    }
}
