using System.Text;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>Detects a text file's encoding: BOMs (UTF-8, UTF-16), strict UTF-8, then CP949 (a superset of EUC-KR), then Windows-1252.</summary>
public static class TextDecoding
{
    static TextDecoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static readonly UTF8Encoding _strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static (string Text, string EncodingName) Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return (Encoding.UTF8.GetString(span[3..]), "utf-8 (BOM)");
        }
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return (Encoding.Unicode.GetString(span[2..]), "utf-16le");
        }
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return (Encoding.BigEndianUnicode.GetString(span[2..]), "utf-16be");
        }

        try
        {
            return (_strictUtf8.GetString(span), "utf-8");
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8: Korean legacy text is CP949/EUC-KR far more often than anything else here.
        }

        var cp949 = Encoding.GetEncoding(949, EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
        var korean = cp949.GetString(span);
        var replaced = korean.Count(c => c == '\uFFFD');
        if (replaced <= korean.Length / 100)
        {
            return (korean, "cp949");
        }
        return (Encoding.GetEncoding(1252).GetString(span), "windows-1252");
    }
}
