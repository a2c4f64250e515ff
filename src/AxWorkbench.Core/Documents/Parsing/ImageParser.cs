using System.Globalization;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// Scans uploaded as images: PNG, JPEG and multi-page TIFF, every page read by OCR. The header is read first: a page
/// above the pixel limit (a decompression bomb), a truncated TIFF or more pages than OCR may read refuse the file
/// before any pixel is decoded. Without OCR (tesseract not installed) the file is refused, naming what is missing.
/// </summary>
public sealed class ImageParser(DocumentKind kind, IProgress<ParseProgress>? progress = null) : IDocumentParser
{
    public DocumentKind Format => kind;

    public ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(limits);
        var what = kind.ToString().ToUpperInvariant();
        var sizes = ImageHeaders.Read(kind, content, limits.MaxOcrPages);
        if (sizes.Count > limits.MaxOcrPages)
        {
            throw new DocumentRejectedException(RejectionReason.ResourceLimit, string.Format(CultureInfo.InvariantCulture,
                "The {0} has more than {1:N0} pages; OCR reads at most {1:N0} pages of one document (Documents:Worker:MaxOcrPages). Split the scan and upload the parts.",
                what, limits.MaxOcrPages));
        }
        for (var i = 0; i < sizes.Count; i++)
        {
            ImageHeaders.CheckPixels(sizes[i], i + 1, limits, what);
        }
        if (OcrTools.Unavailable(limits, forPdf: false) is { } unavailable)
        {
            throw new DocumentRejectedException(RejectionReason.OcrUnavailable, $"The {what} is a scanned image, which only OCR can read. {unavailable}; the file was refused.");
        }

        using var ocr = new OcrSession(limits);
        var source = ocr.WriteSource(content, "." + kind.ToString().ToLowerInvariant());
        var pages = new List<ParsedPage>(sizes.Count);
        var characters = 0L;
        for (var i = 0; i < sizes.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new ParseProgress(i + 1, sizes.Count, i + 1, PageSource.Ocr));
            var page = ocr.RecognizeImagePage(source, kind, i);
            characters += page.Text.Length;
            if (characters > limits.MaxTextChars)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"The scan holds more than {limits.MaxTextChars:N0} characters of text (by page {i + 1}); the file was refused.");
            }
            pages.Add(new ParsedPage(i + 1, page.Text, PageSource.Ocr, page.Confidence));
        }
        return new ParsedDocument(kind, pages, []);
    }
}
