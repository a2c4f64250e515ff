using System.Text;
using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

[Collection(ModelCollection.Name)]
public sealed class FixtureModelTests(ModelFixture fixture)
{
    [Fact]
    public void FixtureModel_LoadsInLlamaSharp_WithItsMetadata()
    {
        var info = fixture.Engine.Info!;
        Assert.Equal(ModelState.Ready, fixture.Engine.State);
        Assert.True(info.IsFixture);
        Assert.Equal("llama", info.Architecture);
        Assert.InRange((long)info.ParameterCount, 200_000, 450_000);
        Assert.Contains("im_start", info.ChatTemplate);
        Assert.Contains("CPU", info.Devices);
        Assert.False(string.IsNullOrEmpty(info.Backend));
    }

    [Fact]
    public async Task SameSeed_GivesSameText()
    {
        var request = new GenerationRequest { Prompt = "hello analysis", MaxTokens = 12, Seed = 1234 };
        var first = await Collect(fixture.Engine.Submit(request));
        var second = await Collect(fixture.Engine.Submit(request));
        Assert.Equal(12, first.Tokens);
        Assert.False(string.IsNullOrWhiteSpace(first.Text));
        Assert.Equal(first.Text, second.Text);
    }

    [Theory]
    [InlineData("분석 보고서 요약")]
    [InlineData("위협 평가: 북쪽 해안 선박 이동 증가 — 신뢰도 높음")]
    [InlineData("혼합 text 한국어 and English 漢字 ✓")]
    public void KoreanText_RoundTripsThroughStreamingDecoder(string text)
    {
        // SPM adds one leading space; everything else, including byte-fallback syllables split over tokens, must survive.
        var decoded = fixture.Engine.RoundTripThroughStreamingDecoder(text);
        Assert.Equal(" " + text, decoded);
    }

    [Fact]
    public async Task FixtureOutput_IsReadableWordPieces_NeverBytesOrEarlyEnd()
    {
        var result = await Collect(fixture.Engine.Submit(new GenerationRequest { Prompt = "요약 summary", MaxTokens = 48, Seed = 5 }));
        Assert.Equal(48, result.Tokens);
        Assert.Equal(GenerationFinish.Length, result.Done!.Finish);
        Assert.DoesNotContain('\uFFFD', result.Text);
        Assert.DoesNotContain("<0x", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<|im", result.Text, StringComparison.Ordinal);
        var words = result.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length >= 40, result.Text);
    }

    internal static async Task<(string Text, int Tokens, CompletedEvent? Done)> Collect(GenerationStream stream, CancellationToken ct = default)
    {
        var sb = new StringBuilder();
        var tokens = 0;
        CompletedEvent? done = null;
        await foreach (var e in stream.Events.ReadAllAsync(ct))
        {
            switch (e)
            {
                case TextEvent t: sb.Append(t.Text); tokens += t.TokenCount; break;
                case CompletedEvent c: done = c; break;
            }
        }

        return (sb.ToString(), tokens, done);
    }
}
