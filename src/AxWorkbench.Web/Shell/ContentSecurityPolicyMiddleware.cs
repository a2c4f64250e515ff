namespace AxWorkbench.Web.Shell;

/// <summary>
/// Nothing may be fetched from another origin: scripts, styles, fonts, images and connections are
/// limited to this app. Inline styles are allowed because MudBlazor sets style attributes.
/// </summary>
public sealed class ContentSecurityPolicyMiddleware(RequestDelegate next)
{
    public const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; " +
        "img-src 'self' data:; connect-src 'self'; frame-src 'none'; frame-ancestors 'none'; object-src 'none'; " +
        "base-uri 'self'; form-action 'self'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        return next(context);
    }
}
