using AxWorkbench.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Documents.Jobs;

public static class JobQueueServiceExtensions
{
    /// <summary>
    /// The shared jobs table as a queue (<see cref="JobQueue"/>) and its lease settings ("Jobs"), once however many
    /// features use it (document jobs, the lightweighting lab, embedding).
    /// </summary>
    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(s => s.ServiceType == typeof(JobQueue)))
        {
            return builder;
        }

        builder.AddWorkbenchData();
        builder.Services.AddOptionsWithValidateOnStart<JobOptions>()
            .Bind(builder.Configuration.GetSection(JobOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.TryAddSingleton<JobQueue>();
        return builder;
    }
}
