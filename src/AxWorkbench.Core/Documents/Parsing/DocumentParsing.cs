namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>Detects the format by bytes and runs the matching parser. Runs only inside the parser worker process.</summary>
public static class DocumentParsing
{
    private static readonly Dictionary<DocumentKind, IDocumentParser> _parsers = new IDocumentParser[]
    {
        new PdfParser(), new DocxParser(), new HwpxParser(), new TextParser(), new HtmlParser(),
    }.ToDictionary(p => p.Format);

    public static ParsedDocument Parse(byte[] content, ParserLimits? limits = null, CancellationToken cancellationToken = default)
    {
        limits ??= ParserLimits.Default;
        var format = FileTypeDetector.Detect(content, limits);
        try
        {
            return _parsers[format].Parse(content, limits, cancellationToken);
        }
        catch (InsufficientExecutionStackException ex)
        {
            throw new DocumentRejectedException(RejectionReason.RecursiveStructure, "The document is nested too deeply to read; the file was refused.", ex);
        }
        catch (OutOfMemoryException ex)
        {
            throw new DocumentRejectedException(RejectionReason.ResourceLimit, "The document needs more memory than a document may use; the file was refused.", ex);
        }
    }
}
