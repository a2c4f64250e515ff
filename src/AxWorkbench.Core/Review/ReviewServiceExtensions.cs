using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Review;

public static class ReviewServiceExtensions
{
    /// <summary>Supervisor review and the unit tree: tables on the shared data context. Needs AddConversations.</summary>
    public static IHostApplicationBuilder AddReview(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddWorkbenchIdentityData(); // the feature data, and the users whose sessions a supervisor reviews
        builder.AddWorkbenchAudit();
        builder.Services.AddSingleton<UnitDirectory>();
        builder.Services.AddSingleton<ReviewService>();
        return builder;
    }
}
