using System.Globalization;
using UglyToad.PdfPig.Content;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>What the PDF parser learned of one page: whether PdfPig read it, how much text it has, how much of it is image, its size in points.</summary>
internal sealed record PdfPageLayout(bool Readable, int Letters, double ImageCoverage, double? Width, double? Height)
{
    /// <summary>Fewer letters than this on a page mostly covered by images: the text layer is not usable (a scan with a page number or a stamp's text).</summary>
    public const int UsableLetters = 40;

    public static PdfPageLayout Failed { get; } = new(false, 0, 0, null, null);

    /// <summary>No text layer, or one covering almost nothing of a page that is mostly image.</summary>
    public bool NeedsOcr => Readable && ((Letters == 0 && ImageCoverage > 0.05) || (Letters < UsableLetters && ImageCoverage >= 0.5));

    public static PdfPageLayout Of(Page page, string text)
    {
        double coverage = 0;
        var area = page.Width * page.Height;
        try
        {
            if (area > 0)
            {
                coverage = Math.Min(1, page.GetImages().Sum(i => Math.Abs(i.BoundingBox.Width * i.BoundingBox.Height)) / area);
            }
        }
#pragma warning disable CA1031 // An image PdfPig cannot describe is not a reason to lose the page's text.
        catch (Exception)
#pragma warning restore CA1031
        {
            coverage = 0;
        }
        return new PdfPageLayout(true, PdfScannedPages.Letters(text), coverage, page.Width, page.Height);
    }
}

/// <summary>
/// The second pass of the PDF parser, inside the worker: pages PdfPig could not read go to poppler's pdftotext; pages
/// without a usable text layer (and failed pages pdftotext found no text on) are rendered and read by OCR, at most
/// <see cref="ParserLimits.MaxOcrPages"/> of them. Without OCR such pages are kept as <see cref="PageSource.Unread"/> with a warning,
/// and a PDF with no text at all is refused, naming what is missing.
/// </summary>
internal static class PdfScannedPages
{
    public static void Complete(byte[] content, List<ParsedPage> pages, List<PdfPageLayout> layout, List<string> warnings,
        ParserLimits limits, IProgress<ParseProgress>? progress, CancellationToken cancellationToken)
    {
        var failed = Enumerable.Range(0, pages.Count).Where(i => !layout[i].Readable).ToList();
        var scanned = Enumerable.Range(0, pages.Count).Where(i => layout[i].NeedsOcr).ToList();
        if (failed.Count == 0 && scanned.Count == 0)
        {
            return;
        }
        var unavailable = OcrTools.Unavailable(limits, forPdf: true);
        if (unavailable is null && scanned.Count > limits.MaxOcrPages)
        {
            throw TooManyPages(scanned.Count, limits);
        }

        using var session = new OcrSession(limits);
        var source = session.WriteSource(content, ".pdf");
        var step = 0;
        foreach (var i in failed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new ParseProgress(++step, failed.Count + scanned.Count, i + 1, PageSource.Pdftotext));
            var text = session.PdfToText(source, i + 1);
            if (text is not null && Letters(text) > 0)
            {
                pages[i] = new ParsedPage(i + 1, text, PageSource.Pdftotext);
                warnings.Add($"Page {i + 1} was read by poppler's pdftotext (the PDF reader could not read it).");
            }
            else
            {
                scanned.Add(i); // nothing from either reader: perhaps an image; its size is unknown
                pages[i] = new ParsedPage(i + 1, "", PageSource.Unread);
            }
        }
        scanned.Sort();
        if (scanned.Count == 0)
        {
            return;
        }

        if (unavailable is not null)
        {
            foreach (var i in scanned)
            {
                pages[i] = new ParsedPage(i + 1, pages[i].Text, PageSource.Unread);
            }
            if (pages.All(p => string.IsNullOrWhiteSpace(p.Text)))
            {
                throw new DocumentRejectedException(RejectionReason.OcrUnavailable,
                    $"The PDF has no text layer: its pages are scanned images, which only OCR can read. {unavailable}; the file was refused.");
            }
            warnings.Add($"{Pages(scanned)} {(scanned.Count == 1 ? "is a scanned image" : "are scanned images")} without text and {(scanned.Count == 1 ? "was" : "were")} not read. {unavailable}.");
            return;
        }
        if (scanned.Count > limits.MaxOcrPages)
        {
            throw TooManyPages(scanned.Count, limits);
        }

        var total = step + scanned.Count;
        foreach (var i in scanned)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new ParseProgress(++step, total, i + 1, PageSource.Ocr));
            var page = session.RecognizePdfPage(source, i + 1, layout[i].Width, layout[i].Height);
            pages[i] = new ParsedPage(i + 1, page.Text, PageSource.Ocr, page.Confidence);
            if (page.QuarterTurns != 0)
            {
                warnings.Add($"Page {i + 1} was scanned turned; it was turned by {page.QuarterTurns * 90}° to be read.");
            }
        }
        warnings.Add($"{Pages(scanned)} {(scanned.Count == 1 ? "was" : "were")} read by OCR.");
    }

    public static int Letters(string text)
    {
        var letters = 0;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                letters++;
            }
        }
        return letters;
    }

    private static DocumentRejectedException TooManyPages(int count, ParserLimits limits) =>
        new(RejectionReason.ResourceLimit, string.Format(CultureInfo.InvariantCulture,
            "The PDF has {0:N0} scanned pages that need OCR; OCR reads at most {1:N0} pages of one document (Documents:Worker:MaxOcrPages). Split the scan and upload the parts.",
            count, limits.MaxOcrPages));

    private static string Pages(List<int> indices) =>
        (indices.Count == 1 ? "Page " : "Pages ") + string.Join(", ", indices.Select(i => (i + 1).ToString(CultureInfo.InvariantCulture)));
}
