using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// PDF text per page with PdfPig's content-order extractor. Decoded streams are capped, recursive form XObjects
/// are refused before a page is read, and each page fails on its own (PdfPig fails in many exception types).
/// Nothing in the file is executed: PdfPig reads no scripts and opens no embedded files. A page PdfPig cannot read is
/// read by poppler's pdftotext, and a page without a usable text layer is read by OCR (<see cref="PdfScannedPages"/>).
/// </summary>
public sealed class PdfParser(IProgress<ParseProgress>? progress = null) : IDocumentParser
{
    public PdfParser()
        : this(null)
    {
    }

    public DocumentKind Format => DocumentKind.Pdf;

    public ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var filters = CappedFilterProvider.Create(limits.MaxDecodedStreamBytes);
        PdfDocument document;
        try
        {
            document = PdfDocument.Open(content, new ParsingOptions { FilterProvider = filters, UseLenientParsing = true, SkipMissingFonts = true });
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new DocumentRejectedException(RejectionReason.Encrypted, "The PDF is encrypted with a password. Remove the protection and upload it again.", ex);
        }
        catch (DocumentRejectedException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            throw filters.Breach is { } breach
                ? new DocumentRejectedException(RejectionReason.ResourceLimit, breach, ex)
                : new DocumentRejectedException(RejectionReason.Malformed, $"The PDF could not be opened ({ex.GetType().Name}: {Short(ex.Message)}).", ex);
        }

        using (document)
        {
            if (document.IsEncrypted)
            {
                // Opened with the empty user password: readable, but say so.
            }

            var guard = new FormXObjectGuard(document.Structure.TokenScanner, filters, limits);
            var pageDictionaries = guard.Pages(document.Structure.Catalog.CatalogDictionary);
            var count = Math.Min(document.NumberOfPages, limits.MaxPages);
            var pages = new List<ParsedPage>(count);
            var layout = new List<PdfPageLayout>(count);
            var warnings = new List<string>();
            if (document.NumberOfPages > limits.MaxPages)
            {
                warnings.Add($"Only the first {limits.MaxPages:N0} of {document.NumberOfPages:N0} pages were read.");
            }

            var characters = 0L;
            Exception? firstFailure = null;
            for (var number = 1; number <= count; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (number <= pageDictionaries.Count)
                {
                    guard.CheckPage(number, pageDictionaries[number - 1].Page, pageDictionaries[number - 1].Resources);
                }

                string text;
                PdfPageLayout pageLayout;
                try
                {
                    var page = document.GetPage(number);
                    text = Clean(ContentOrderTextExtractor.GetText(page));
                    pageLayout = PdfPageLayout.Of(page, text);
                }
                catch (DocumentRejectedException)
                {
                    throw;
                }
                catch (OutOfMemoryException ex)
                {
                    throw new DocumentRejectedException(RejectionReason.ResourceLimit, $"Page {number} needs more memory than a document may use; the file was refused.", ex);
                }
#pragma warning disable CA1031 // PdfPig fails in many exception types (NotSupported for JBIG2, InvalidCast, font and format errors): one bad page must not lose the rest.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    firstFailure ??= ex;
                    warnings.Add($"Page {number} could not be read ({ex.GetType().Name}: {Short(ex.Message)}).");
                    text = "";
                    pageLayout = PdfPageLayout.Failed;
                }

                if (filters.Breach is { } breach)
                {
                    throw new DocumentRejectedException(RejectionReason.ResourceLimit, breach);
                }
                characters += text.Length;
                if (characters > limits.MaxTextChars)
                {
                    throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                        $"The PDF holds more than {limits.MaxTextChars:N0} characters of text (by page {number}); the file was refused.");
                }
                pages.Add(new ParsedPage(number, text));
                layout.Add(pageLayout);
            }

            PdfScannedPages.Complete(content, pages, layout, warnings, limits, progress, cancellationToken);

            if (firstFailure is not null && pages.All(p => p.Text.Length == 0))
            {
                throw new DocumentRejectedException(RejectionReason.Malformed,
                    $"No page of the PDF could be read ({firstFailure.GetType().Name}: {Short(firstFailure.Message)}"
                    + (OcrTools.Pdftotext is null ? "; poppler's pdftotext, which reads some such files, is not installed: apt-get install poppler-utils" : "; pdftotext found no text either")
                    + ").", firstFailure);
            }
            return new ParsedDocument(DocumentKind.Pdf, pages, warnings);
        }
    }

    internal static string Clean(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var c in text.AsSpan())
        {
            if (c == '\r')
            {
                continue;
            }
            builder.Append(c is '\n' or '\t' || !char.IsControl(c) ? c : ' ');
        }
        return builder.ToString();
    }

    internal static string Short(string message) => message.Length <= 200 ? message : message[..200] + "…";
}
