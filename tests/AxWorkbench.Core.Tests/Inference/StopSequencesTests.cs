using System.Text;
using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Stop sequences over text that arrives in token-sized pieces, as the decode step streams it.</summary>
public sealed class StopSequencesTests
{
    /// <summary>Streams <paramref name="pieces"/> the way the decode step does; returns what was streamed and whether a stop ended it.</summary>
    private static (string Streamed, bool Stopped) Stream(IReadOnlyList<string> stops, params string[] pieces)
    {
        var text = new StringBuilder();
        var emitted = 0;
        var streamed = new StringBuilder();
        foreach (var piece in pieces)
        {
            text.Append(piece);
            var stop = StopSequences.Find(text, emitted, stops);
            if (stop >= 0)
            {
                text.Length = stop;
                streamed.Append(text.ToString(emitted, text.Length - emitted));
                return (streamed.ToString(), true);
            }

            var upTo = text.Length - StopSequences.HoldBack(text, emitted, stops);
            if (upTo > emitted)
            {
                streamed.Append(text.ToString(emitted, upTo - emitted));
                emitted = upTo;
            }
        }

        streamed.Append(text.ToString(emitted, text.Length - emitted));
        return (streamed.ToString(), false);
    }

    [Fact]
    public void StopSplitOverTokens_IsFound_AndNoneOfItIsStreamed()
    {
        var (streamed, stopped) = Stream(["</answer>"], "The port is ", "quiet.</", "ans", "wer> trailing");
        Assert.True(stopped);
        Assert.Equal("The port is quiet.", streamed);
    }

    [Fact]
    public void ALookalikePrefix_IsHeldOnlyUntilItCannotBeAStop()
    {
        var stops = new[] { "STOP" };
        var text = new StringBuilder("convoy ST");
        Assert.Equal(2, StopSequences.HoldBack(text, 0, stops));
        text.Append("ATION");
        Assert.Equal(0, StopSequences.HoldBack(text, 0, stops));
        Assert.Equal(-1, StopSequences.Find(text, 0, stops));

        var (streamed, stopped) = Stream(stops, "convoy ST", "ATION ready");
        Assert.False(stopped);
        Assert.Equal("convoy STATION ready", streamed);
    }

    [Fact]
    public void SeveralStops_TheEarliestWins()
    {
        var text = new StringBuilder("alpha END beta STOP");
        Assert.Equal(6, StopSequences.Find(text, 0, ["STOP", "END"]));
    }

    [Fact]
    public void EmptyStops_AreIgnored()
    {
        var text = new StringBuilder("anything");
        Assert.Equal(-1, StopSequences.Find(text, 0, ["", "zzz"]));
        Assert.Equal(0, StopSequences.HoldBack(text, 0, [""]));
    }

    [Fact]
    public void KoreanStop_SplitOverPieces_IsFound()
    {
        var (streamed, stopped) = Stream(["끝."], "요약: 선박 ", "이동 증가 끝", ". 이후");
        Assert.True(stopped);
        Assert.Equal("요약: 선박 이동 증가 ", streamed);
    }

    [Fact]
    public void AStopRightAfterTheStreamedText_IsFoundAcrossTheBoundary()
    {
        var text = new StringBuilder("abcST");
        var emitted = 3; // "abc" streamed, "ST" held
        text.Append("OP");
        Assert.Equal(3, StopSequences.Find(text, emitted, ["STOP"]));
    }
}
