using System.IO.Compression;
using System.Text;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>Hostile and fixture files made by the tests themselves (no external material).</summary>
public static class HostileFiles
{
    /// <summary>A minimal valid PDF from object bodies (object i+1 = bodies[i]); object 1 must be the catalog.</summary>
    public static byte[] Pdf(params object[] bodies)
    {
        using var output = new MemoryStream();
        void Write(string s) => output.Write(Encoding.Latin1.GetBytes(s));
        Write("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new List<long>();
        for (var i = 0; i < bodies.Length; i++)
        {
            offsets.Add(output.Position);
            Write($"{i + 1} 0 obj\n");
            switch (bodies[i])
            {
                case string text:
                    Write(text);
                    break;
                case (string dictionary, byte[] data):
                    Write($"<< {dictionary} /Length {data.Length} >>\nstream\n");
                    output.Write(data);
                    Write("\nendstream");
                    break;
            }
            Write("\nendobj\n");
        }
        var xref = output.Position;
        Write($"xref\n0 {bodies.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            Write($"{offset:D10} 00000 n \n");
        }
        Write($"trailer\n<< /Size {bodies.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return output.ToArray();
    }

    public static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(data);
        }
        return output.ToArray();
    }

    private static byte[] ZlibZeros(long count)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (long written = 0; written < count; written += zeros.Length)
            {
                z.Write(zeros);
            }
        }
        return output.ToArray();
    }

    private const string Font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

    /// <summary>A one-page PDF showing the given lines of text.</summary>
    public static byte[] TextPdf(params string[] lines)
    {
        var content = new StringBuilder("BT /F1 12 Tf 72 720 Td 14 TL\n");
        foreach (var line in lines)
        {
            content.Append('(').Append(line.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal)).Append(") Tj T*\n");
        }
        content.Append("ET");
        return Pdf(
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            ("", Encoding.Latin1.GetBytes(content.ToString())),
            Font);
    }

    /// <summary>A page whose content stream inflates to 256 MB of zeros (~250 KB on disk).</summary>
    public static byte[] FlateBombPdf() => Pdf(
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        ("/Filter /FlateDecode", ZlibZeros(256L * 1024 * 1024)));

    /// <summary>Two form XObjects that draw each other (PdfPig follows them until the stack overflows).</summary>
    public static byte[] RecursiveFormsPdf() => Pdf(
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Fa 5 0 R >> >> /Contents 4 0 R >>",
        ("", "/Fa Do"u8.ToArray()),
        ("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /Fb 6 0 R >> >>", "/Fb Do"u8.ToArray()),
        ("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /Fa 5 0 R >> >>", "/Fa Do"u8.ToArray()));

    /// <summary>A small PDF whose one page shows 20 million glyphs.</summary>
    public static byte[] GlyphBombPdf()
    {
        var content = new MemoryStream();
        content.Write("BT /F1 1 Tf ("u8);
        var run = new byte[1024 * 1024];
        Array.Fill(run, (byte)'A');
        for (var i = 0; i < 20; i++)
        {
            content.Write(run);
        }
        content.Write(") Tj ET"u8);
        return Pdf(
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            ("/Filter /FlateDecode", Zlib(content.ToArray())),
            Font);
    }

    private const string ContentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """;

    private const string Rels = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
        """;

    /// <summary>A DOCX (hand-written package) whose body is the given XML.</summary>
    public static byte[] Docx(string bodyXml) => Zip(
        ("[Content_Types].xml", Encoding.UTF8.GetBytes(ContentTypes)),
        ("_rels/.rels", Encoding.UTF8.GetBytes(Rels)),
        ("word/document.xml", Encoding.UTF8.GetBytes(
            $"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{bodyXml}</w:body></w:document>""")));

    public static byte[] DocxParagraphs(IEnumerable<string> paragraphs) =>
        Docx(string.Concat(paragraphs.Select(p => $"<w:p><w:r><w:t xml:space=\"preserve\">{System.Security.SecurityElement.Escape(p)}</w:t></w:r></w:p>")));

    /// <summary>A 20 KB DOCX with 100,000 nested elements (the DOM overflows the stack on it).</summary>
    public static byte[] DeeplyNestedDocx()
    {
        const int depth = 100_000;
        var xml = new StringBuilder("<w:p><w:r><w:t>top</w:t></w:r></w:p>");
        for (var i = 0; i < depth; i++)
        {
            xml.Append("<w:customXml w:element=\"x\">");
        }
        for (var i = 0; i < depth; i++)
        {
            xml.Append("</w:customXml>");
        }
        return Docx(xml.ToString());
    }

    /// <summary>A DOCX-shaped zip with one 600 MB entry of zeros (under 1 MB compressed).</summary>
    public static byte[] ZipBombDocx()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml", Encoding.UTF8.GetBytes(ContentTypes));
            Add(zip, "_rels/.rels", Encoding.UTF8.GetBytes(Rels));
            var entry = zip.CreateEntry("word/document.xml", CompressionLevel.Optimal);
            using var stream = entry.Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 600; i++)
            {
                stream.Write(zeros);
            }
        }
        return output.ToArray();
    }

    /// <summary>An HWPX package (mimetype, manifest, one section per array) with hp:p/hp:run/hp:t paragraphs.</summary>
    public static byte[] Hwpx(params string[][] sections)
    {
        var entries = new List<(string, byte[])>
        {
            ("mimetype", "application/hwp+zip"u8.ToArray()),
            ("META-INF/manifest.xml", """<?xml version="1.0" encoding="UTF-8"?><odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>"""u8.ToArray()),
        };
        for (var i = 0; i < sections.Length; i++)
        {
            var body = string.Concat(sections[i].Select(p => $"<hp:p><hp:run><hp:t>{System.Security.SecurityElement.Escape(p)}</hp:t></hp:run></hp:p>"));
            entries.Add(($"Contents/section{i}.xml", Encoding.UTF8.GetBytes(
                $"""<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph">{body}</hs:sec>""")));
        }
        return Zip([.. entries]);
    }

    public static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                Add(zip, name, data);
            }
        }
        return output.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] data)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(data);
    }

    /// <summary>A Windows executable header (what a renamed .exe starts with).</summary>
    public static byte[] Executable()
    {
        var bytes = new byte[4096];
        bytes[0] = (byte)'M';
        bytes[1] = (byte)'Z';
        Encoding.ASCII.GetBytes("This program cannot be run in DOS mode.").CopyTo(bytes, 78);
        return bytes;
    }

    /// <summary>Paragraphs of Korean statute text from the kr-defense-laws corpus (front matter and headings' marks removed).</summary>
    public static IReadOnlyList<string> KoreanParagraphs(string corpusFolder, int count)
    {
        var file = Directory.EnumerateFiles(corpusFolder, "*.md", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("README.md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .First();
        var text = File.ReadAllText(file);
        if (text.StartsWith("---", StringComparison.Ordinal))
        {
            text = text[(text.IndexOf("\n---", 3, StringComparison.Ordinal) + 4)..];
        }
        return text.Split('\n')
            .Select(l => l.TrimStart('#', ' ', '>', '-', '*').Trim())
            .Where(l => l.Count(c => c is >= '\uAC00' and <= '\uD7A3') >= 5)
            .Take(count)
            .ToList();
    }
}
