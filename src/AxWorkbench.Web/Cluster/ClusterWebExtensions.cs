using AxWorkbench.Core.Cluster;

namespace AxWorkbench.Web.Cluster;

/// <summary>
/// Several nodes behind a load balancer: the Core cluster feature (events, the retrieval change follower) and its
/// bridges — job progress relayed between nodes and a promoted model followed by every node. Circuits listen on
/// their own: the revalidation (<see cref="Identity.RefreshingAuthenticationStateProvider"/>) and the chat page.
/// </summary>
public static class ClusterWebExtensions
{
    /// <summary>Needs the Documents, Retrieval and Lightweighting features registered first.</summary>
    public static WebApplicationBuilder AddClusterWeb(this WebApplicationBuilder builder)
    {
        builder.AddCluster();
        builder.Services.AddHostedService<DocumentJobsRelay>();
        builder.Services.AddHostedService<ModelPromotionFollower>();
        builder.Services.AddHostedService<LabJobsRelay>();
        return builder;
    }
}
