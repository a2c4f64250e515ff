using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Review;

public static class ReviewServiceExtensions
{
    /// <summary>Supervisor review and the unit tree: own context and migrations on the shared database. Needs AddConversations.</summary>
    public static IHostApplicationBuilder AddReview(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddWorkbenchData();
        builder.AddWorkbenchAudit();
        builder.Services.AddSingleton<UnitDirectory>();
        builder.Services.AddSingleton<ReviewService>();
        return builder;
    }
}
