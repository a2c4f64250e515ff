using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;

namespace AxWorkbench.Core.Tests.Retrieval;

public sealed class TextChunkerTests
{
    private static readonly Marking _secret = new(ClassificationLevel.Secret, ["NOFORN"]);

    private static IndexedDocument Doc(string text, Marking? marking = null, IReadOnlyList<PortionMarking>? portions = null) =>
        new(Guid.NewGuid(), 1, "t", marking ?? Marking.Unclassified, [new DocumentPage(1, text, portions)]);

    [Fact]
    public void KoreanArticles_EachStartANewChunk_AndSpansPointIntoThePage()
    {
        var text = "##### 제1조(목적)\n이 법은 군사기밀을 보호한다.\n\n##### 제2조(정의)\n군사기밀이란 다음 각 호와 같다.\n\n제3조 (적용 범위) 이 법은 모든 기관에 적용한다.";
        var chunks = new TextChunker(200, 20).Chunk(Doc(text));

        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(c.Text, text.Substring(c.Start, c.Length)));
        Assert.StartsWith("##### 제1조", chunks[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("##### 제2조", chunks[1].Text, StringComparison.Ordinal);
        Assert.StartsWith("제3조", chunks[2].Text, StringComparison.Ordinal);
        Assert.All(chunks, c => Assert.Equal(TextLanguage.Korean, c.Language));
    }

    [Fact]
    public void ShortParagraphs_ArePackedUpToTheSize_AndHeadingsBreak()
    {
        var paragraph = string.Join(' ', Enumerable.Repeat("word", 30));
        var text = $"# One\n{paragraph}\n\n{paragraph}\n\n{paragraph}\n\n# Two\n{paragraph}";
        var chunks = new TextChunker(70, 10).Chunk(Doc(text));

        // "# One" + 2 paragraphs (61 words) fit; the third does not; "# Two" starts a chunk.
        Assert.Equal(3, chunks.Count);
        Assert.StartsWith("# One", chunks[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("# Two", chunks[2].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void LongParagraph_IsCutIntoOverlappingWindows()
    {
        var words = Enumerable.Range(0, 500).Select(i => $"w{i}").ToArray();
        var chunks = new TextChunker(200, 40).Chunk(Doc(string.Join(' ', words)));

        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.True(c.Text.Split(' ').Length <= 200));
        Assert.StartsWith("w160 ", chunks[1].Text, StringComparison.Ordinal);
        Assert.EndsWith("w499", chunks[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ChunkMarking_IsTheJoinOfItsPortions_AndTheDocumentWhereUnmarked()
    {
        const string a = "(U) Weather was clear.";
        const string b = "(S//NF) The source reported movement.";
        var text = a + "\n\n" + b + "\n\nUnmarked trailing text.";
        var portions = new[] { new PortionMarking(0, a.Length, Marking.Unclassified), new PortionMarking(a.Length + 2, b.Length, _secret) };

        var whole = new TextChunker(200, 20).Chunk(Doc(text, _secret, portions)).Single();
        var onlyUnclassified = new TextChunker(200, 20).Chunk(Doc(a, _secret, [new PortionMarking(0, a.Length, Marking.Unclassified)])).Single();

        Assert.Equal(_secret, whole.Marking);
        Assert.Equal(Marking.Unclassified, onlyUnclassified.Marking);
    }

    [Fact]
    public void Analyzer_MakesKoreanBigramsAndUnigrams_AndStemsEnglish()
    {
        using var analyzer = new MixedTextAnalyzer();
        var terms = analyzer.Analyze("The missiles' launchers 군사기밀").Select(t => t.Term).ToList();

        Assert.Contains("missil", terms);
        Assert.Contains("launcher", terms);
        Assert.DoesNotContain("the", terms);
        Assert.Contains("군사", terms);
        Assert.Contains("기밀", terms);
        Assert.Contains("군", terms);
    }
}
