using AxWorkbench.Core.Conversations;
using AxWorkbench.Web.Identity;

namespace AxWorkbench.Web.Conversations;

public static class ConversationsWebExtensions
{
    /// <summary>The chat workspace, plain and grounded (Core's conversations over the registered IChatClient; needs AddRetrievalWeb).</summary>
    public static WebApplicationBuilder AddConversationsWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConversations();
        return builder;
    }

    /// <summary>Exports of a session: /chat/export/{id}.md and /chat/export/{id}.json (the owner only).</summary>
    public static WebApplication MapConversationsWeb(this WebApplication app)
    {
        app.MapGet("/chat/export/{id:guid}.{format}", async (Guid id, string format, HttpContext context, ConversationExporter exporter, CancellationToken cancellationToken) =>
        {
            var actor = CurrentUser.ToActor(context.User, context.Connection.RemoteIpAddress?.ToString());
            try
            {
                return format switch
                {
                    "md" => Results.File(System.Text.Encoding.UTF8.GetBytes(await exporter.ToMarkdownAsync(actor, id, cancellationToken)), "text/markdown; charset=utf-8", $"conversation-{id}.md"),
                    "json" => Results.File(System.Text.Encoding.UTF8.GetBytes(await exporter.ToJsonAsync(actor, id, cancellationToken)), "application/json; charset=utf-8", $"conversation-{id}.json"),
                    _ => Results.NotFound(),
                };
            }
            catch (ConversationNotFoundException)
            {
                return Results.NotFound();
            }
            catch (MarkingNotPermittedException)
            {
                return Results.Forbid();
            }
        }).RequireAuthorization();
        return app;
    }
}
