using System.IO.Compression;
using System.Text;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>Decides a file's format from its bytes (magic numbers, zip contents), never from its name.</summary>
public static class FileTypeDetector
{
    private static readonly byte[] _pdfMagic = "%PDF-"u8.ToArray();
    private static readonly byte[] _zipMagic = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] _emptyZipMagic = [0x50, 0x4B, 0x05, 0x06];
    private static readonly byte[] _oleMagic = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] _encryptedPackage = Encoding.Unicode.GetBytes("EncryptedPackage");

    /// <summary>The format of <paramref name="content"/>; throws <see cref="DocumentRejectedException"/> for anything the workbench does not read.</summary>
    public static DocumentKind Detect(byte[] content, ParserLimits limits)
    {
        ArgumentNullException.ThrowIfNull(content);
        ReadOnlySpan<byte> bytes = content;
        if (bytes.Length == 0)
        {
            throw new DocumentRejectedException(RejectionReason.UnknownFormat, "The file is empty.");
        }

        // PDF readers accept the header anywhere in the first KB.
        if (bytes[..Math.Min(bytes.Length, 1024)].IndexOf(_pdfMagic) >= 0)
        {
            return DocumentKind.Pdf;
        }

        // Scans: PNG, JPEG and TIFF (either byte order) are read by OCR.
        switch (bytes)
        {
            case [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..]:
                return DocumentKind.Png;
            case [0xFF, 0xD8, 0xFF, ..]:
                return DocumentKind.Jpeg;
            case [(byte)'I', (byte)'I', 42 or 43, 0, ..] or [(byte)'M', (byte)'M', 0, 42 or 43, ..]:
                return DocumentKind.Tiff;
        }

        if (bytes.StartsWith(_zipMagic) || bytes.StartsWith(_emptyZipMagic))
        {
            return DetectZip(content, limits);
        }

        if (bytes.StartsWith(_oleMagic))
        {
            throw bytes.IndexOf(_encryptedPackage) >= 0
                ? new DocumentRejectedException(RejectionReason.Encrypted,
                    "The file is a password-protected Office document. Remove the password in Word and upload it again.")
                : new DocumentRejectedException(RejectionReason.UnknownFormat,
                    "The file is a legacy binary document (DOC, HWP 5 or similar). Save it as DOCX or HWPX and upload it again.");
        }

        if (LooksExecutableOrBinary(bytes, out var what))
        {
            throw new DocumentRejectedException(RejectionReason.UnknownFormat,
                $"The file is {what}, not a document. Accepted: PDF, DOCX, HWPX, text, Markdown, HTML and scans as PNG, JPEG or TIFF.");
        }

        var text = TextDecoding.Decode(content).Text;
        return LooksLikeHtml(text) ? DocumentKind.Html : DocumentKind.Text;
    }

    private static DocumentKind DetectZip(byte[] content, ParserLimits limits)
    {
        using var zip = ZipGuard.Open(content, limits);
        if (zip.GetEntry("word/document.xml") is not null || zip.Entries.Any(e => e.FullName.EndsWith("document.xml", StringComparison.OrdinalIgnoreCase) && e.FullName.StartsWith("word/", StringComparison.OrdinalIgnoreCase)))
        {
            return DocumentKind.Docx;
        }

        if (zip.Entries.Any(e => e.FullName.StartsWith("Contents/section", StringComparison.OrdinalIgnoreCase))
            || IsHwpxMimetype(zip))
        {
            return DocumentKind.Hwpx;
        }

        throw new DocumentRejectedException(RejectionReason.UnknownFormat,
            "The file is a zip archive but neither a Word (DOCX) nor a Hangul (HWPX) document. Upload the documents themselves, not an archive.");
    }

    private static bool IsHwpxMimetype(ZipArchive zip)
    {
        if (zip.GetEntry("mimetype") is not { Length: < 256 } entry)
        {
            return false;
        }
        using var reader = new StreamReader(entry.Open(), Encoding.ASCII);
        return reader.ReadToEnd().Contains("hwp", StringComparison.OrdinalIgnoreCase);
    }

    private static bool LooksExecutableOrBinary(ReadOnlySpan<byte> bytes, out string what)
    {
        what = bytes switch
        {
            [(byte)'M', (byte)'Z', ..] => "a Windows program (EXE/DLL)",
            [0x7F, (byte)'E', (byte)'L', (byte)'F', ..] => "a Linux program (ELF)",
            [0xCF or 0xCE, 0xFA, 0xED, 0xFE, ..] or [0xFE, 0xED, 0xFA, ..] => "a macOS program",
            [(byte)'G', (byte)'I', (byte)'F', ..] => "a GIF image (scans are read as PNG, JPEG or TIFF)",
            [0x1F, 0x8B, ..] or [(byte)'7', (byte)'z', 0xBC, 0xAF, ..] or [(byte)'R', (byte)'a', (byte)'r', (byte)'!', ..] => "a compressed archive",
            _ => "",
        };
        if (what.Length > 0)
        {
            return true;
        }

        // UTF-16 text has zero bytes by design; anything else with zero or many control bytes is binary.
        if (bytes is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            return false;
        }
        var sample = bytes[..Math.Min(bytes.Length, 8192)];
        var control = 0;
        foreach (var b in sample)
        {
            if (b == 0)
            {
                what = "a binary file";
                return true;
            }
            if (b < 0x09 || b is > 0x0D and < 0x20 and not 0x1B)
            {
                control++;
            }
        }
        what = "a binary file";
        return control > sample.Length / 20;
    }

    private static bool LooksLikeHtml(string text)
    {
        var head = text.AsSpan(0, Math.Min(text.Length, 2048)).TrimStart();
        return head.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || (head.StartsWith("<", StringComparison.Ordinal)
                && (head.Contains("<body", StringComparison.OrdinalIgnoreCase) || head.Contains("<head", StringComparison.OrdinalIgnoreCase)));
    }
}
