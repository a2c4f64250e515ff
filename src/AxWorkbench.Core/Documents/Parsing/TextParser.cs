namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>Plain text and Markdown: encoding detected (UTF-8 with or without BOM, UTF-16, CP949/EUC-KR); form feeds split pages.</summary>
public sealed class TextParser : IDocumentParser
{
    public DocumentKind Format => DocumentKind.Text;

    public ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var (text, encoding) = TextDecoding.Decode(content);
        if (text.Length > limits.MaxTextChars)
        {
            throw new DocumentRejectedException(RejectionReason.ResourceLimit, $"The text holds more than {limits.MaxTextChars:N0} characters; the file was refused.");
        }
        var pages = PdfParser.Clean(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\f', '\u0001'))
            .Split('\u0001')
            .Select((page, i) => new ParsedPage(i + 1, page.Trim('\n')))
            .ToList();
        return new ParsedDocument(DocumentKind.Text, pages, [$"Read as {encoding}."]);
    }
}
