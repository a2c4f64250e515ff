using AxWorkbench.Core.Documents;

namespace AxWorkbench.Web.Documents;

public static class DocumentsWebExtensions
{
    /// <summary>Documents (Core): uploads parsed in the worker process, and the background parse and summary jobs.</summary>
    public static WebApplicationBuilder AddDocumentsWeb(this WebApplicationBuilder builder)
    {
        builder.AddDocuments();
        builder.AddDocumentJobs();
        return builder;
    }
}
