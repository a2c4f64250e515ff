using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>One rule each: what may never be a key sentence, and what happens to the ones that may.</summary>
public sealed class KeySentenceRulesTests
{
    private const string Body =
        "The fuel convoy moved north on Tuesday under escort from the second brigade.\n"
        + "Escorts for the fuel convoy came from the second brigade and its engineer battalion.\n"
        + "The convoy reached the northern depot after the brigade cleared the route of mines.\n";

    [Fact]
    public void KeySentences_NeverPickAFootnote_EvenOneAboutTheTopic()
    {
        var footnotes = "1 Fuel Convoy Office, “The fuel convoy and the second brigade escort on the northern route,” March 10, 2026, https://convoy.example.org/report.\n"
            + "2 The brigade fuel convoy escort second brigade convoy report northern route convoy brigade fuel data.\n"
            + "³ Fuel convoy brigade escort notes for the second brigade on the northern route.\n";
        var sentences = KeySentences.Extract([new ParsedPage(1, Body + footnotes)], 5);
        Assert.Equal(3, sentences.Count);
        Assert.All(sentences, s => Assert.Contains(s.Text, Body, StringComparison.Ordinal));
    }

    [Fact]
    public void KeySentences_NeverPickUrlOrReferenceLines()
    {
        var extra = "See the fuel convoy brigade escort report of the second brigade for the northern route.\n"
            + "The fuel convoy brigade escort schedule is posted at https://convoy.example.org/schedule for the brigade.\n"
            + "convoy.example.org/fuel-convoy-brigade-escort-second-brigade-northern-route\n"
            + "Source: Fuel convoy brigade escort office of the second brigade, northern route.\n";
        var sentences = KeySentences.Extract([new ParsedPage(1, Body + extra)], 5);
        Assert.Equal(3, sentences.Count);
        Assert.All(sentences, s => Assert.Contains(s.Text, Body, StringComparison.Ordinal));
        Assert.DoesNotContain(sentences, s => s.Text.Contains("example", StringComparison.Ordinal) || s.Text.StartsWith("See", StringComparison.Ordinal) || s.Text.StartsWith("Source", StringComparison.Ordinal));
    }

    [Fact]
    public void KeySentences_SkipPageFurnitureAndRunningHeads()
    {
        string[] routes = ["north", "south", "east", "west"];
        var pages = Enumerable.Range(1, 4).Select(n => new ParsedPage(n,
            $"The Fuel Convoy Brigade Escort Report for the Northern Route of the Second Brigade\nCongressional Research Service   {n}\n"
            + Body.Replace("north", routes[n - 1], StringComparison.Ordinal) + $"\n- {n} -\nR48903\nhttps://crsreports.congress.gov\n")).ToList();
        var sentences = KeySentences.Extract(pages, 10);
        Assert.NotEmpty(sentences);
        Assert.DoesNotContain(sentences, s => s.Text.Contains("Report for", StringComparison.Ordinal) || s.Text.Contains("Congressional", StringComparison.Ordinal) || s.Text.Contains("R48903", StringComparison.Ordinal));
    }

    [Fact]
    public void KeySentences_DoNotGlueAHeadingToTheSentenceUnderIt()
    {
        var text = "The fuel convoy moved north on Tuesday under escort from the second brigade and its engineer battalion.\n"
            + "Jones Act Waiver\n"
            + "On March 17, 2026, the fuel convoy brigade escort was waived for the second brigade on the northern route.\n";
        var sentences = KeySentences.Extract([new ParsedPage(1, text)], 5);
        Assert.Contains(sentences, s => s.Text.StartsWith("On March 17, 2026", StringComparison.Ordinal));
        Assert.DoesNotContain(sentences, s => s.Text.Contains("Waiver", StringComparison.Ordinal));
    }

    [Fact]
    public void KeySentences_ReadTableCellsAsRows_NeverAsSentences()
    {
        var cells = "품목번호\n2026-1차-바이오산업기술-맞춤형진단치료-품목-일반-01\n산업기술분류\n중분류Ⅰ\n품목명\n암조직 저산소 내성 한계 극복 나노산소운반체 기반 항암제 병용치료 증강제 개발\n(TRL : [시작] 4단계 〜 [종료] 7단계)\n";
        var sentences = "ㅇ 나노산소운반체를 활용하여 암 조직에 직접 산소를 전달하는 기술 개발이 필요함\nㅇ 기존 항암제와의 병용투여를 통해 항암제 내성을 극복하여 암치료 효과를 극대화할 수 있음\n";
        var picked = KeySentences.Extract([new ParsedPage(1, cells + sentences + cells + sentences.Replace("필요함", "시급함", StringComparison.Ordinal))], 5);
        Assert.NotEmpty(picked);
        Assert.All(picked, s => Assert.True(s.Text.EndsWith('함') || s.Text.EndsWith('음'), s.Text));
    }

    [Fact]
    public void KeySentences_NeverPickANearCopyOfOneAlreadyChosen()
    {
        string[] verbs = ["지원한다", "배정한다", "편성한다", "집행한다", "교부한다", "책정한다"];
        var rows = string.Join('\n', Enumerable.Range(1, 6).Select(n =>
            $"ㅇ 정부지원연구개발비는 ’26년 {n}.5억원 이내이며 총 정부지원연구개발비는 {n * 7}.5억원 이내로 {verbs[n - 1]}."));
        var others = "\n나노산소운반체 기반 항암제 병용치료 증강제를 개발하여 연구개발비 지원의 효과를 높인다.\n연구개발기관은 중소 중견 기업이며 수요기업의 참여가 필수이고 지원 기간은 56개월 이내이다.\n";
        var picked = KeySentences.Extract([new ParsedPage(1, rows + others)], 5);
        Assert.Equal(3, picked.Count);
        for (var i = 0; i < picked.Count; i++)
        {
            for (var j = i + 1; j < picked.Count; j++)
            {
                Assert.True(KeySentences.Jaccard(picked[i].Text, picked[j].Text) <= KeySentences.NearCopyJaccard, $"{picked[i].Text} ~ {picked[j].Text}");
            }
        }
        Assert.DoesNotContain(picked, s => s.Text.EndsWith("7.", StringComparison.Ordinal) || s.Text.EndsWith("1.", StringComparison.Ordinal));
    }

    [Fact]
    public void KeySentences_DropFootnoteNumbersFromTheTextAndKeepTheirPage()
    {
        var page2 = "The fuel convoy moved north on Tuesday under escort from the second brigade.1 Escorts for the fuel convoy came from the\n"
            + "second brigade,2 and the convoy reached the northern depot after the brigade cleared mines3 on the route.";
        var picked = KeySentences.Extract([new ParsedPage(1, "Cover"), new ParsedPage(2, page2)], 5);
        Assert.Equal(
            [
                "The fuel convoy moved north on Tuesday under escort from the second brigade.",
                "Escorts for the fuel convoy came from the second brigade, and the convoy reached the northern depot after the brigade cleared mines on the route.",
            ],
            picked.Select(s => s.Text));
        Assert.All(picked, s => Assert.Equal(2, s.Page));
    }
}
