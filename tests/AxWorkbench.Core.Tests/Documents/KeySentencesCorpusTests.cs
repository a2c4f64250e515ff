using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Text;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>Sentence segmentation and key sentences on real documents from ../shared/corpora (skipped by name when absent).</summary>
public sealed partial class KeySentencesCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void CrsR48903_SentencesNeverEndAtAnAbbreviation_AndKeySentencesAreNoFootnotesOrUrls()
    {
        var folder = Corpora.Folder("crs-reports", output, nameof(CrsR48903_SentencesNeverEndAtAnAbbreviation_AndKeySentencesAreNoFootnotesOrUrls));
        if (folder is null)
        {
            return;
        }
        var pdf = Directory.EnumerateFiles(Path.Combine(folder, "pdf", "reports"), "R48903*.pdf").Single();
        var parsed = DocumentParsing.Parse(File.ReadAllBytes(pdf));
        var segments = parsed.Pages.SelectMany(p => SentenceSegmenter.Segment(p.Text)).ToList();
        var markdown = File.ReadAllText(Directory.EnumerateFiles(Path.Combine(folder, "markdown", "reports"), "R48903*.md").Single());
        var markdownSegments = SentenceSegmenter.Segment(markdown);
        output.WriteLine($"{parsed.Pages.Count} pages, {segments.Count} segments in the PDF, {markdownSegments.Count} in the markdown twin");

        Assert.True(segments.Count(s => s.Kind == SegmentKind.Sentence) > 80);
        Assert.Contains(segments, s => s.Text.Contains("U.S. ", StringComparison.Ordinal) && s.Kind == SegmentKind.Sentence);
        foreach (var segment in segments.Concat(markdownSegments))
        {
            Assert.False(AbbreviationEnd().IsMatch(segment.Text), $"ends at an abbreviation: {segment.Text}");
        }

        var key = KeySentences.Extract(parsed.Pages, 5);
        foreach (var s in key)
        {
            output.WriteLine($"  p.{s.Page}: {s.Text}");
        }
        Assert.Equal(5, key.Count);
        Assert.All(key, s => Assert.InRange(s.Page, 1, parsed.Pages.Count));
        Assert.All(key, s => Assert.False(AbbreviationEnd().IsMatch(s.Text), s.Text));
        Assert.All(key, s => Assert.False(Regex.IsMatch(s.Text, @"^\d"), $"starts with a footnote number: {s.Text}"));
        Assert.All(key, s => Assert.DoesNotContain("http", s.Text, StringComparison.Ordinal));
        Assert.All(key, s => Assert.True(s.Text.EndsWith('.'), s.Text));

        // Every footnote of the report (a line "N Author, “Title,” …" at a page foot) is out of the candidates.
        var candidates = KeySentenceCandidates.From(parsed.Pages);
        Assert.DoesNotContain(candidates, c => c.Text.Contains("https://", StringComparison.Ordinal) || c.Text.Contains("Census Bureau, USA Trade Online", StringComparison.Ordinal));
        Assert.DoesNotContain(candidates, c => c.Text.Contains("Congressional Research Service", StringComparison.Ordinal));
    }

    [Fact]
    public void HwpxForm002_KeySentencesAreNotNearCopies_AndNoneIsCutAtANumber()
    {
        var folder = Corpora.Folder("hwpx", output, nameof(HwpxForm002_KeySentencesAreNotNearCopies_AndNoneIsCutAtANumber));
        if (folder is null)
        {
            return;
        }
        var parsed = DocumentParsing.Parse(File.ReadAllBytes(Path.Combine(folder, "pyhwpx__m2_corpus__form_002.hwpx")));
        var key = KeySentences.Extract(parsed.Pages, 5);
        foreach (var s in key)
        {
            output.WriteLine($"  p.{s.Page}: {s.Text}");
        }
        Assert.Equal(5, key.Count);
        for (var i = 0; i < key.Count; i++)
        {
            Assert.False(Regex.IsMatch(key[i].Text, @"\d\.$"), $"cut at a number: {key[i].Text}");
            Assert.DoesNotContain("’26년 7.", key[i].Text.Replace("’26년 7.5", "", StringComparison.Ordinal), StringComparison.Ordinal);
            for (var j = i + 1; j < key.Count; j++)
            {
                Assert.True(KeySentences.Jaccard(key[i].Text, key[j].Text) <= KeySentences.NearCopyJaccard, $"near-copies: {key[i].Text} ~ {key[j].Text}");
            }
        }
        // The budget lines hold decimals ("’26년 7.5억원"); segmentation keeps them whole.
        var segments = SentenceSegmenter.Segment(parsed.Pages[0].Text);
        Assert.Contains(segments, s => s.Text.Contains("’26년 7.5억원 이내", StringComparison.Ordinal));
        Assert.DoesNotContain(segments, s => Regex.IsMatch(s.Text, @"\d\.$"));
        // Table cells ("품목번호", the item number, the classification cells) are never sentences.
        Assert.DoesNotContain(segments, s => s.Text.StartsWith("품목번호", StringComparison.Ordinal) && s.Kind != SegmentKind.Fragment);
    }

    [Fact]
    public void KoreanStatutes_SentencesEndAtKoreanEndings_NotInsideArticleHeadingsOrNumbers()
    {
        var folder = Corpora.Folder("kr-defense-laws/kr", output, nameof(KoreanStatutes_SentencesEndAtKoreanEndings_NotInsideArticleHeadingsOrNumbers));
        if (folder is null)
        {
            return;
        }
        var files = Directory.EnumerateFiles(folder, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var sentences = 0;
        var headings = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var body = text[(text.IndexOf("\n# ", StringComparison.Ordinal) + 1)..]; // after the YAML front matter
            foreach (var segment in SentenceSegmenter.Segment(body))
            {
                if (segment.Kind == SegmentKind.Heading)
                {
                    headings++;
                    continue;
                }
                if (segment.Text.EndsWith('.'))
                {
                    sentences++;
                    var before = segment.Text[^2];
                    Assert.False(char.IsAsciiDigit(before), $"{Path.GetFileName(Path.GetDirectoryName(file))}: ends inside a number: {segment.Text}");
                }
                // A cut inside "제1조(목적)" or "(2010. 3. 17.)" leaves a bracket open in one unit and closed in the next.
                var end = segment.Start + segment.Length;
                var lineEnd = body.IndexOf('\n', end);
                var cutMidLine = body[end..(lineEnd < 0 ? body.Length : lineEnd)].Trim().Length > 0;
                Assert.False(cutMidLine && segment.Text.Count(c => c == '(') > segment.Text.Count(c => c == ')'), $"{Path.GetFileName(Path.GetDirectoryName(file))}: brackets cut: {segment.Text}");
                Assert.False(Regex.IsMatch(segment.Text, @"^\(\S{1,20}\)$"), $"an article title cut off its number: {segment.Text}");
            }
        }
        output.WriteLine($"{files.Count} statutes: {sentences} sentences ending in a full stop, {headings} headings");
        Assert.True(sentences > 1000);
        Assert.True(headings > 500);
    }

    // A sentence ending in "U.", "U.S.", "U.N.", "Dr.", "Mr.", "No.", "Sec.", "e.g." or "i.e." was cut at an abbreviation.
    [GeneratedRegex(@"(?:^|[\s(])(?:[A-Z]\.|(?:[A-Z]\.){2,3}|Dr\.|Mr\.|Mrs\.|Ms\.|No\.|Sec\.|e\.g\.|i\.e\.|Jan\.|Feb\.|Nov\.|Dec\.)$", RegexOptions.CultureInvariant)]
    private static partial Regex AbbreviationEnd();
}
