namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>Detects the format by bytes and runs the matching parser. Runs only inside the parser worker process.</summary>
public static class DocumentParsing
{
    private static readonly Dictionary<DocumentKind, IDocumentParser> _parsers = new IDocumentParser[]
    {
        new DocxParser(), new HwpxParser(), new TextParser(), new HtmlParser(),
    }.ToDictionary(p => p.Format);

    /// <param name="progress">Told before each page that OCR or the pdftotext fallback reads (long scans).</param>
    public static ParsedDocument Parse(byte[] content, ParserLimits? limits = null, CancellationToken cancellationToken = default, IProgress<ParseProgress>? progress = null)
    {
        limits ??= ParserLimits.Default;
        var format = FileTypeDetector.Detect(content, limits);
        var parser = format switch
        {
            DocumentKind.Pdf => new PdfParser(progress),
            DocumentKind.Png or DocumentKind.Jpeg or DocumentKind.Tiff => new ImageParser(format, progress),
            _ => _parsers[format],
        };
        try
        {
            return parser.Parse(content, limits, cancellationToken);
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
