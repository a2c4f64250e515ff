using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// DOCX text with the streaming <see cref="OpenXmlReader"/> (never the DOM: 100k nested elements overflow the
/// stack there): paragraphs, tables as text, headers and footers; pages split at explicit and last-rendered page
/// breaks. Depth and text length are capped.
/// </summary>
public sealed class DocxParser : IDocumentParser
{
    public DocumentKind Format => DocumentKind.Docx;

    public ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        using (ZipGuard.Open(content, limits))
        {
            // The archive's shape is checked before the SDK inflates anything.
        }

        WordprocessingDocument document;
        try
        {
            document = WordprocessingDocument.Open(new MemoryStream(content, writable: false), false,
                new OpenSettings { MaxCharactersInPart = limits.MaxTextChars * 4L, AutoSave = false });
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or IOException or FileFormatException or InvalidOperationException)
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"The Word document could not be opened ({ex.GetType().Name}: {PdfParser.Short(ex.Message)}).", ex);
        }

        using (document)
        {
            var main = document.MainDocumentPart
                ?? throw new DocumentRejectedException(RejectionReason.Malformed, "The Word document has no main document part.");
            var warnings = new List<string>();
            var pages = new List<StringBuilder> { new() };
            var total = 0L;
            try
            {
                foreach (var header in main.HeaderParts)
                {
                    ReadPart(header, limits, [new StringBuilder()], ref total, cancellationToken).ForEach(b => pages[0].Append(b));
                }
                var body = ReadPart(main, limits, [new StringBuilder()], ref total, cancellationToken);
                pages[0].Append(body[0]);
                pages.AddRange(body.Skip(1));
                foreach (var footer in main.FooterParts)
                {
                    ReadPart(footer, limits, [new StringBuilder()], ref total, cancellationToken).ForEach(b => pages[^1].Append(b));
                }
            }
            catch (Exception ex) when (ex is System.Xml.XmlException or InvalidDataException or OpenXmlPackageException)
            {
                throw new DocumentRejectedException(RejectionReason.Malformed, $"The Word document's XML is damaged ({PdfParser.Short(ex.Message)}).", ex);
            }

            var parsed = pages.Select((b, i) => new ParsedPage(i + 1, b.ToString().TrimEnd('\n'))).ToList();
            return new ParsedDocument(DocumentKind.Docx, parsed, warnings);
        }
    }

    private static List<StringBuilder> ReadPart(OpenXmlPart part, ParserLimits limits, List<StringBuilder> pages, ref long total, CancellationToken cancellationToken)
    {
        using var reader = OpenXmlReader.Create(part, readMiscNodes: false);
        var inParagraph = false;
        while (reader.Read())
        {
            if (reader.Depth > limits.MaxXmlDepth)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"The Word document nests elements more than {limits.MaxXmlDepth} deep (Word itself never does); the file was refused.");
            }
            var type = reader.ElementType;
            if (reader.IsStartElement)
            {
                if (type == typeof(W.Text))
                {
                    var text = reader.GetText();
                    total += text.Length;
                    if (total > limits.MaxTextChars)
                    {
                        throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                            $"The Word document holds more than {limits.MaxTextChars:N0} characters of text; the file was refused.");
                    }
                    pages[^1].Append(text);
                }
                else if (type == typeof(W.TabChar))
                {
                    pages[^1].Append('\t');
                }
                else if (type == typeof(W.Break))
                {
                    if (reader.Attributes.Any(a => a.LocalName == "type" && a.Value == "page"))
                    {
                        pages.Add(new StringBuilder());
                    }
                    else
                    {
                        pages[^1].Append('\n');
                    }
                }
                else if (type == typeof(W.LastRenderedPageBreak) && pages[^1].Length > 0)
                {
                    if (inParagraph && pages[^1].Length > 0 && pages[^1][^1] != '\n')
                    {
                        pages[^1].Append('\n');
                    }
                    pages.Add(new StringBuilder());
                }
                else if (type == typeof(W.Paragraph))
                {
                    inParagraph = true;
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            else if (reader.IsEndElement && type == typeof(W.Paragraph))
            {
                inParagraph = false;
                pages[^1].Append('\n');
            }
        }
        return pages;
    }
}
