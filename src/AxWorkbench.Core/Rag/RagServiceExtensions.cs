using AxWorkbench.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Rag;

public static class RagServiceExtensions
{
    /// <summary>Documents into libraries, and chat over libraries. Needs AddDocuments, AddRetrieval, the audit log and (for chat) conversations.</summary>
    public static IHostApplicationBuilder AddRag(this IHostApplicationBuilder builder)
    {
        builder.AddWorkbenchData();
        builder.Services.AddSingleton<LibraryIndexing>();
        builder.Services.AddSingleton<GroundedChat>();
        return builder;
    }
}
