namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>The formats the workbench reads. The format is decided by a file's bytes, never its name.</summary>
public enum DocumentKind
{
    Pdf,
    Docx,
    Hwpx,
    Text,
    Html,
    Png,
    Jpeg,
    Tiff,
}

/// <summary>Where a page's text came from: the PDF's text layer (or the format's own text), OCR of the page's image, or poppler's pdftotext after PdfPig failed on the page.</summary>
public enum PageSource
{
    Text,
    Ocr,
    Pdftotext,

    /// <summary>The page is an image with no usable text layer and OCR was not available: it holds no text.</summary>
    Unread,
}

/// <summary>Text extracted from a document: one entry per page (PDF), page-break section (DOCX), section (HWPX) or form-feed section (text).</summary>
public sealed record ParsedDocument(DocumentKind Format, IReadOnlyList<ParsedPage> Pages, IReadOnlyList<string> Warnings)
{
    public int CharacterCount => Pages.Sum(p => p.Text.Length);
}

/// <summary>
/// One page of text; paragraphs are separated by "\n" and positions are offsets into <see cref="Text"/>.
/// <see cref="Confidence"/> is OCR's mean word confidence (0-1) for <see cref="PageSource.Ocr"/> pages, else null.
/// </summary>
public sealed record ParsedPage(int Number, string Text, PageSource Source = PageSource.Text, double? Confidence = null)
{
    /// <summary>The non-blank paragraphs (lines) of the page with their character spans.</summary>
    public IEnumerable<TextParagraph> Paragraphs()
    {
        var start = 0;
        var index = 0;
        while (start <= Text.Length)
        {
            var end = Text.IndexOf('\n', start);
            if (end < 0)
            {
                end = Text.Length;
            }
            var line = Text[start..end];
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return new TextParagraph(index++, start, line.Length, line);
            }
            start = end + 1;
        }
    }
}

/// <summary>A paragraph of a page: its index among the page's non-blank paragraphs and its span in the page text.</summary>
public sealed record TextParagraph(int Index, int Start, int Length, string Text);

/// <summary>Why a file was refused. Each refusal carries a message a user can act on.</summary>
public enum RejectionReason
{
    UnknownFormat,
    Encrypted,
    ResourceLimit,
    RecursiveStructure,
    Malformed,
    Timeout,
    WorkerCrashed,

    /// <summary>The file (or a page of it) is an image that needs OCR, and OCR is not installed or not enabled.</summary>
    OcrUnavailable,
}

/// <summary>The file cannot be read safely or at all; <see cref="Exception.Message"/> says why in words a user can act on.</summary>
public sealed class DocumentRejectedException(RejectionReason reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public RejectionReason Reason { get; } = reason;
}

/// <summary>The bounds every parser works within. Defaults suit briefs of a few hundred pages.</summary>
public sealed record ParserLimits
{
    /// <summary>The largest decoded PDF stream (a Flate bomb decodes far beyond this).</summary>
    public long MaxDecodedStreamBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The most form XObjects visited on one page (guards against exponential fan-out).</summary>
    public int MaxFormXObjectVisits { get; init; } = 2_000;

    public int MaxPages { get; init; } = 5_000;

    /// <summary>The largest decoded content of one page (a page drawing millions of glyphs exhausts memory in the reader).</summary>
    public long MaxPageContentBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>The most characters of text kept from one document.</summary>
    public int MaxTextChars { get; init; } = 20_000_000;

    public int MaxZipEntries { get; init; } = 5_000;

    public long MaxZipUncompressedBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Uncompressed/compressed ratio above which an entry is treated as a bomb.</summary>
    public int MaxZipCompressionRatio { get; init; } = 200;

    /// <summary>The deepest XML nesting read from DOCX/HWPX parts (Word itself nests far less).</summary>
    public int MaxXmlDepth { get; init; } = 256;

    /// <summary>Whether pages without a usable text layer (and PNG, JPEG and TIFF files) are recognized by OCR.</summary>
    public bool Ocr { get; init; } = true;

    /// <summary>Tesseract's languages (installed traineddata), joined by '+'.</summary>
    public string OcrLanguages { get; init; } = "kor+eng";

    /// <summary>
    /// Tesseract's languages for a page whose script OSD finds Korean (Hangul), joined by '+'; null or empty: <see cref="OcrLanguages"/>
    /// for every page. Korean alone reads Hangul pages better than Korean+English (OCR benchmark, results/ocr.json); other
    /// pages (Latin script, or too little text for OSD) keep <see cref="OcrLanguages"/>.
    /// </summary>
    public string? OcrKoreanLanguages { get; init; } = "kor";

    /// <summary>Tesseract's page segmentation mode (6: one uniform block of text, measured best on briefs and statutes).</summary>
    public int OcrPageSegmentationMode { get; init; } = 6;

    /// <summary>The resolution pages are rendered at for OCR.</summary>
    public int OcrDpi { get; init; } = 300;

    /// <summary>The longest one page's OCR (render, orientation, recognition) may take; past it the file is refused.</summary>
    public int OcrPageSeconds { get; init; } = 60;

    /// <summary>The longest pdftotext may take on one page the PDF reader failed on (a hostile page makes it spin); past it the file is refused.</summary>
    public int PdftotextPageSeconds { get; init; } = 5;

    /// <summary>The most pages of one document that are read by OCR; a scan with more is refused.</summary>
    public int MaxOcrPages { get; init; } = 100;

    /// <summary>The most pixels of one image or rendered page (checked from the header, before anything is decoded).</summary>
    public long MaxImagePixels { get; init; } = 80_000_000;

    /// <summary>The address-space limit of each OCR helper process (tesseract, pdftoppm, pdftotext), in MB.</summary>
    public int OcrProcessMemoryMegabytes { get; init; } = 2048;

    public static ParserLimits Default { get; } = new();
}

/// <summary>Reads one format. Implementations are synchronous and run only inside the parser worker process.</summary>
public interface IDocumentParser
{
    DocumentKind Format { get; }

    ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken);
}
