using System.Text;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Turns the byte pieces of generated tokens into whole characters: a character whose UTF-8 bytes arrive over several
/// tokens (byte-fallback Korean syllables, emoji) is held until its last byte, so streamed text never shows half a
/// character. Invalid bytes become U+FFFD, as <see cref="Encoding.UTF8"/> decodes them.
/// </summary>
internal sealed class Utf8PieceDecoder
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

    /// <summary>Adds one token's bytes; returns the characters they complete (possibly none).</summary>
    public string Add(ReadOnlySpan<byte> piece)
    {
        if (piece.IsEmpty)
        {
            return string.Empty;
        }

        var count = _decoder.GetCharCount(piece, flush: false);
        if (count == 0)
        {
            _ = _decoder.GetChars(piece, [], flush: false); // keeps the partial character's bytes for the next piece
            return string.Empty;
        }

        Span<char> chars = count <= 256 ? stackalloc char[count] : new char[count];
        var written = _decoder.GetChars(piece, chars, flush: false);
        return new string(chars[..written]);
    }
}
