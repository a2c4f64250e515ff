using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Documents;

public static class DocumentsServiceExtensions
{
    /// <summary>Documents: its own tables, the parser worker (one per app, started on first use) and the library service.</summary>
    public static IHostApplicationBuilder AddDocuments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DocumentOptions>()
            .Bind(builder.Configuration.GetSection(DocumentOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.MaxMegabytesByFormat.Values.All(v => v is > 0 and <= 4096),
                "Documents:MaxMegabytesByFormat values must be between 1 and 4096.");
        builder.Services.AddOptionsWithValidateOnStart<ParserWorkerOptions>()
            .Bind(builder.Configuration.GetSection(ParserWorkerOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchData();
        builder.AddWorkbenchAudit(); // uploads, parse failures and deletions are audited
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ParserWorkerClient>();
        builder.Services.AddSingleton<DocumentLibrary>();
        return builder;
    }

    /// <summary>
    /// The background jobs (parsing of stored uploads, map-reduce summaries): needs <see cref="AddDocuments"/> and the
    /// inference engine (<c>AddInference</c>), whose <see cref="Microsoft.Extensions.AI.IChatClient"/> summaries use.
    /// </summary>
    public static IHostApplicationBuilder AddDocumentJobs(this IHostApplicationBuilder builder)
    {
        builder.AddJobQueue();
        builder.Services.AddSingleton<DocumentJobs>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DocumentJobs>());
        return builder;
    }
}
