using Ganss.Xss;
using Markdig;

namespace AxWorkbench.Core.Conversations;

/// <summary>HTML that went through the allow-list sanitizer; the only kind of model text the UI may render as markup.</summary>
public readonly record struct SanitizedHtml(string Value);

/// <summary>
/// Model output (untrusted) to safe HTML: Markdig with raw HTML disabled (it is escaped as text), then an allow-list
/// sanitizer: text formatting, lists, tables, quotes and code blocks only; no attributes at all (so no event handlers,
/// no styles, no URLs), no links and no images (their text is kept), no URL schemes.
/// </summary>
public sealed class ModelOutputRenderer
{
    private static readonly string[] _allowedTags =
    [
        "p", "br", "hr", "strong", "em", "del", "s", "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "span",
    ];

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .Build();

    private readonly HtmlSanitizer _sanitizer = new(new HtmlSanitizerOptions
    {
        AllowedTags = new HashSet<string>(_allowedTags, StringComparer.OrdinalIgnoreCase),
        AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        AllowedClasses = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        AllowDataAttributes = false,
    })
    {
        KeepChildNodes = true,
    };

    public SanitizedHtml Render(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
        {
            return new SanitizedHtml("");
        }

        var html = Markdown.ToHtml(markdown, _pipeline);
        return new SanitizedHtml(_sanitizer.Sanitize(html));
    }
}
