using AxWorkbench.Core.Retrieval;

namespace AxWorkbench.Web.Retrieval;

public static class RetrievalWebExtensions
{
    /// <summary>Libraries, search and filing documents in libraries (Core's retrieval; the pages take the actor from CurrentUser).</summary>
    public static WebApplicationBuilder AddRetrievalWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRetrieval();
        return builder;
    }
}
