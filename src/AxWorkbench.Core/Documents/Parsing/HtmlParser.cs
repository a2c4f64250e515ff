using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>HTML with AngleSharp: visible text only (no script, style, template, hidden or head content); nothing is fetched or run.</summary>
public sealed class HtmlParser : IDocumentParser
{
    private static readonly HashSet<string> _invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed", "svg", "canvas", "select", "button",
    };

    private static readonly HashSet<string> _blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "table",
        "ul", "ol", "pre", "blockquote", "hr", "dd", "dt", "main", "nav", "aside", "figcaption",
    };

    public DocumentKind Format => DocumentKind.Html;

    public ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var (source, _) = TextDecoding.Decode(content);
        var parser = new AngleSharp.Html.Parser.HtmlParser(new HtmlParserOptions { IsScripting = false });
        using var document = parser.ParseDocument(source);
        var builder = new StringBuilder();

        // Iterative walk: deeply nested markup must not overflow the stack.
        var stack = new Stack<(INode Node, bool Exit)>();
        if (document.Body is { } body)
        {
            stack.Push((body, false));
        }
        while (stack.Count > 0)
        {
            var (node, exit) = stack.Pop();
            if (node is IElement element)
            {
                if (exit)
                {
                    if (_blocks.Contains(element.LocalName))
                    {
                        NewLine(builder);
                    }
                    continue;
                }
                if (_invisible.Contains(element.LocalName) || element.HasAttribute("hidden")
                    || (element.GetAttribute("style") ?? "").Replace(" ", "", StringComparison.Ordinal).Contains("display:none", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(element.GetAttribute("aria-hidden"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (_blocks.Contains(element.LocalName))
                {
                    NewLine(builder);
                }
                stack.Push((node, true));
                for (var i = node.ChildNodes.Length - 1; i >= 0; i--)
                {
                    stack.Push((node.ChildNodes[i], false));
                }
            }
            else if (node is IText text)
            {
                AppendCollapsed(builder, text.Data);
                if (builder.Length > limits.MaxTextChars)
                {
                    throw new DocumentRejectedException(RejectionReason.ResourceLimit, $"The page holds more than {limits.MaxTextChars:N0} characters of text; the file was refused.");
                }
            }
            else if (node is IDocument or IDocumentFragment)
            {
                for (var i = node.ChildNodes.Length - 1; i >= 0; i--)
                {
                    stack.Push((node.ChildNodes[i], false));
                }
            }
        }

        var lines = builder.ToString().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
        return new ParsedDocument(DocumentKind.Html, [new ParsedPage(1, string.Join('\n', lines))], []);
    }

    private static void NewLine(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[^1] != '\n')
        {
            builder.Append('\n');
        }
    }

    private static void AppendCollapsed(StringBuilder builder, string data)
    {
        foreach (var c in data)
        {
            if (char.IsWhiteSpace(c))
            {
                if (builder.Length > 0 && builder[^1] is not ' ' and not '\n')
                {
                    builder.Append(' ');
                }
            }
            else if (!char.IsControl(c))
            {
                builder.Append(c);
            }
        }
    }
}
