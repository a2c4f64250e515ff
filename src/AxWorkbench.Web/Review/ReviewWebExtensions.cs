using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Review;
using AxWorkbench.Web.Identity;

namespace AxWorkbench.Web.Review;

public static class ReviewWebExtensions
{
    /// <summary>Supervisor review (Core) plus who is reviewing on the web.</summary>
    public static WebApplicationBuilder AddReviewWeb(this WebApplicationBuilder builder)
    {
        builder.AddReview();
        return builder;
    }

    /// <summary>A supervisor's export of a session under review: /review/export/{id}.md and .json (Supervisor policy; audited).</summary>
    public static WebApplication MapReviewWeb(this WebApplication app)
    {
        app.MapGet("/review/export/{id:guid}.{format}", async (Guid id, string format, HttpContext context, ReviewService review, CancellationToken cancellationToken) =>
        {
            var reviewer = CurrentUser.ToActor(context.User, context.Connection.RemoteIpAddress?.ToString());
            try
            {
                var text = await review.ExportAsync(reviewer, id, format, cancellationToken);
                return format == "md"
                    ? Results.File(System.Text.Encoding.UTF8.GetBytes(text), "text/markdown; charset=utf-8", $"review-{id}.md")
                    : Results.File(System.Text.Encoding.UTF8.GetBytes(text), "application/json; charset=utf-8", $"review-{id}.json");
            }
            catch (ReviewAccessDeniedException)
            {
                return Results.NotFound();
            }
            catch (ReviewOperationException)
            {
                return Results.NotFound();
            }
        }).RequireAuthorization(Roles.Supervisor);
        return app;
    }
}
