using System.Text;
using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Token pieces to whole characters: what a reader of a stream may see after each token.</summary>
public sealed class Utf8PieceDecoderTests
{
    [Fact]
    public void KoreanSyllable_SplitOverByteFallbackTokens_ComesOutWholeWithItsLastByte()
    {
        var decoder = new Utf8PieceDecoder();
        var bytes = Encoding.UTF8.GetBytes("한");
        Assert.Equal(3, bytes.Length);
        Assert.Equal(string.Empty, decoder.Add(bytes.AsSpan(0, 1)));
        Assert.Equal(string.Empty, decoder.Add(bytes.AsSpan(1, 1)));
        Assert.Equal("한", decoder.Add(bytes.AsSpan(2, 1)));
    }

    [Fact]
    public void Emoji_SplitInTheMiddle_IsOneSurrogatePair()
    {
        var decoder = new Utf8PieceDecoder();
        var bytes = Encoding.UTF8.GetBytes("✓🚢");
        Assert.Equal("✓", decoder.Add(bytes.AsSpan(0, 5)));
        Assert.Equal("🚢", decoder.Add(bytes.AsSpan(5)));
    }

    [Theory]
    [InlineData("위협 평가: 북쪽 해안 선박 이동 증가 — 신뢰도 높음")]
    [InlineData("혼합 text 한국어 and English 漢字 ✓ 🚢")]
    public void AnySplitIntoPieces_GivesBackTheText_NeverAHalfCharacter(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        foreach (var size in (int[])[1, 2, 3, 4, 5, 7])
        {
            var decoder = new Utf8PieceDecoder();
            var sb = new StringBuilder();
            for (var i = 0; i < bytes.Length; i += size)
            {
                var piece = decoder.Add(bytes.AsSpan(i, Math.Min(size, bytes.Length - i)));
                Assert.DoesNotContain('\uFFFD', piece);
                if (piece.Length > 0)
                {
                    Assert.False(char.IsHighSurrogate(piece[^1]), "a surrogate pair was split");
                }

                sb.Append(piece);
            }

            Assert.Equal(text, sb.ToString());
        }
    }

    [Fact]
    public void InvalidByte_BecomesTheReplacementCharacter_AndDecodingGoesOn()
    {
        var decoder = new Utf8PieceDecoder();
        Assert.Equal("\uFFFD", decoder.Add([0xFF]));
        Assert.Equal("ok", decoder.Add("ok"u8));
    }

    [Fact]
    public void EmptyPiece_ForASpecialToken_AddsNothing()
    {
        var decoder = new Utf8PieceDecoder();
        var bytes = Encoding.UTF8.GetBytes("가");
        Assert.Equal(string.Empty, decoder.Add(bytes.AsSpan(0, 2)));
        Assert.Equal(string.Empty, decoder.Add([]));
        Assert.Equal("가", decoder.Add(bytes.AsSpan(2)));
    }
}
