using System.Security.Claims;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Web.Identity;

namespace AxWorkbench.Web.Chat;

public static class ChatExtensions
{
    /// <summary>The chat workspace (Core's conversations over the registered IChatClient).</summary>
    public static IHostApplicationBuilder AddChat(this IHostApplicationBuilder builder)
    {
        builder.AddConversations();
        builder.Services.AddScoped<ChatActorAccessor>();
        return builder;
    }

    /// <summary>Exports of a session: /chat/export/{id}.md and /chat/export/{id}.json (the owner only).</summary>
    public static WebApplication MapChatEndpoints(this WebApplication app)
    {
        app.MapGet("/chat/export/{id:guid}.{format}", async (Guid id, string format, HttpContext context, ConversationExporter exporter, CancellationToken cancellationToken) =>
        {
            var actor = ChatActorAccessor.From(context.User);
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

/// <summary>The signed-in user as the conversation service sees them.</summary>
public sealed class ChatActorAccessor(CurrentUser currentUser)
{
    public async Task<ChatActor> GetAsync() => From(await currentUser.GetPrincipalAsync());

    public static ChatActor From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The signed-in user has no id claim."),
        CurrentUser.ToAuthorization(principal),
        [.. principal.FindAll(ClaimTypes.Role).Select(c => c.Value)],
        principal.Identity?.Name);
}
