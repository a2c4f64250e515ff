using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// HWPX (Hancom's OWPML in a zip): the text of <c>hp:t</c> elements in <c>Contents/sectionN.xml</c>, in order,
/// one page per section; paragraphs (including table cells) end in a newline. Encrypted files are refused.
/// </summary>
public sealed partial class HwpxParser : IDocumentParser
{
    public DocumentKind Format => DocumentKind.Hwpx;

    public ParsedDocument Parse(byte[] content, ParserLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        using var zip = ZipGuard.Open(content, limits);
        if (zip.GetEntry("META-INF/manifest.xml") is { } manifest
            && Encoding.UTF8.GetString(ZipGuard.ReadEntry(manifest, limits)).Contains("encryption-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new DocumentRejectedException(RejectionReason.Encrypted, "The HWPX document is password-protected. Remove the password in Hangul and upload it again.");
        }

        var sections = zip.Entries
            .Select(e => (Entry: e, Match: SectionName().Match(e.FullName)))
            .Where(s => s.Match.Success)
            .OrderBy(s => int.Parse(s.Match.Groups["n"].Value, CultureInfo.InvariantCulture))
            .Select(s => s.Entry)
            .ToList();
        if (sections.Count == 0)
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, "The HWPX document has no Contents/section*.xml; it is damaged or not a Hangul document.");
        }

        var pages = new List<ParsedPage>();
        var total = 0L;
        foreach (var section in sections)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = ReadSection(ZipGuard.ReadEntry(section, limits), limits, ref total);
            pages.Add(new ParsedPage(pages.Count + 1, text));
        }
        return new ParsedDocument(DocumentKind.Hwpx, pages, []);
    }

    private static string ReadSection(byte[] xml, ParserLimits limits, ref long total)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            MaxCharactersFromEntities = 0,
        };
        var builder = new StringBuilder();
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), settings);
            var inText = false;
            while (reader.Read())
            {
                if (reader.Depth > limits.MaxXmlDepth)
                {
                    throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                        $"The HWPX document nests elements more than {limits.MaxXmlDepth} deep; the file was refused.");
                }
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        switch (reader.LocalName)
                        {
                            case "t":
                                inText = !reader.IsEmptyElement;
                                break;
                            case "tab" when inText || IsParagraphNs(reader):
                                builder.Append('\t');
                                break;
                            case "lineBreak":
                                builder.Append('\n');
                                break;
                        }
                        break;
                    case XmlNodeType.Text or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace or XmlNodeType.CDATA when inText:
                        builder.Append(reader.Value);
                        total += reader.Value.Length;
                        if (total > limits.MaxTextChars)
                        {
                            throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                                $"The HWPX document holds more than {limits.MaxTextChars:N0} characters of text; the file was refused.");
                        }
                        break;
                    case XmlNodeType.EndElement:
                        if (reader.LocalName == "t")
                        {
                            inText = false;
                        }
                        else if (reader.LocalName == "p" && IsParagraphNs(reader) && builder.Length > 0 && builder[^1] != '\n')
                        {
                            builder.Append('\n');
                        }
                        break;
                }
            }
        }
        catch (XmlException ex)
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"A section of the HWPX document is not well-formed XML ({PdfParser.Short(ex.Message)}).", ex);
        }
        return builder.ToString().TrimEnd('\n');
    }

    private static bool IsParagraphNs(XmlReader reader) => reader.NamespaceURI.Contains("paragraph", StringComparison.Ordinal) || reader.Prefix == "hp";

    [GeneratedRegex(@"^Contents/section(?<n>\d{1,4})\.xml$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SectionName();
}
