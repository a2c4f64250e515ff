using AxWorkbench.Web.Api;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>The streaming endpoint's coalescing window (Api:StreamCoalesceMs).</summary>
public sealed class TextBatchTests
{
    [Fact]
    public void TheFirstPiece_IsNeverHeld()
    {
        var batch = new TextBatch(TimeSpan.FromSeconds(10));
        batch.Add("Hello");
        Assert.Null(batch.Wait);
        Assert.Equal("Hello", batch.Take());
        Assert.Equal(0, batch.Length);
    }

    [Fact]
    public void PiecesWithinTheWindow_AreHeldTogether_UntilItCloses()
    {
        var batch = new TextBatch(TimeSpan.FromMilliseconds(300));
        batch.Add("first");
        batch.Take();
        batch.Add(" second");
        batch.Add(" third");
        var wait = Assert.NotNull(batch.Wait);
        Assert.InRange(wait, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(300));
        Thread.Sleep(350);
        Assert.Null(batch.Wait); // the window has closed: what is held goes now
        Assert.Equal(" second third", batch.Take());
    }

    [Fact]
    public void AZeroWindow_SendsEveryPieceAlone()
    {
        var batch = new TextBatch(TimeSpan.Zero);
        batch.Add("a");
        batch.Take();
        batch.Add("b");
        Assert.Null(batch.Wait);
    }
}
