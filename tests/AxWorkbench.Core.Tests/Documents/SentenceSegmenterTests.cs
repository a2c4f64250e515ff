using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Text;

namespace AxWorkbench.Core.Tests.Documents;

public sealed class SentenceSegmenterTests
{
    [Fact]
    public void Segmenter_DoesNotEndSentencesAtAbbreviations()
    {
        var text = "The U.S. Navy and the U.N. Security Council met Dr. Kim and Mr. Lee at No. 10 Downing St. on Tuesday. "
            + "Sec. 1201 applies to ships, e.g. tankers, i.e. those under the U.K. flag, etc. and barges. "
            + "The report cites Smith et al. in its annex. It ends here.";
        Assert.Equal(
            [
                "The U.S. Navy and the U.N. Security Council met Dr. Kim and Mr. Lee at No. 10 Downing St. on Tuesday.",
                "Sec. 1201 applies to ships, e.g. tankers, i.e. those under the U.K. flag, etc. and barges.",
                "The report cites Smith et al. in its annex.",
                "It ends here.",
            ],
            SentenceSegmenter.Split(text));
    }

    [Fact]
    public void Segmenter_EndsASentenceAtAnAbbreviation_OnlyBeforeASentenceOpener()
    {
        Assert.Equal(
            ["Exports fell across the U.S.", "The Strait stayed closed to the U.N. Maritime mission."],
            SentenceSegmenter.Split("Exports fell across the U.S. The Strait stayed closed to the U.N. Maritime mission."));
    }

    [Fact]
    public void Segmenter_KeepsInitialsInsideNames()
    {
        Assert.Equal(["President John F. Kennedy signed it.", "It passed."], SentenceSegmenter.Split("President John F. Kennedy signed it. It passed."));
    }

    [Fact]
    public void Segmenter_DoesNotCutDecimalsMoneyOrDates()
    {
        Assert.Equal(
            [
                "정부지원연구개발비는 ’26년 7.5억원 이내이다.",
                "The deal was worth $1.2 billion in 2025.",
                "Pi is 3.14 exactly.",
                "The waiver ran from Nov. 30 to Dec. 15 of that year.",
                "공고일은 2026. 11. 30. 까지이다.",
                "시행일은 2026. 12. 1. 이후이다.",
            ],
            SentenceSegmenter.Split("정부지원연구개발비는 ’26년 7.5억원 이내이다. The deal was worth $1.2 billion in 2025. Pi is 3.14 exactly. "
                + "The waiver ran from Nov. 30 to Dec. 15 of that year. 공고일은 2026. 11. 30. 까지이다. 시행일은 2026. 12. 1. 이후이다."));
    }

    [Fact]
    public void Segmenter_EndsKoreanSentencesAtTheirEndings_WithOrWithoutAFullStop()
    {
        var segments = SentenceSegmenter.Segment("이 법은 국군의 조직을 규정한다. 국군은 육군, 해군 및 공군으로 조직한다.\n첫째 줄은 마침표 없이 끝난다\n둘째 줄도 그렇습니까요\n셋째 줄은 이어지고\n여기서 끝난다.");
        Assert.Equal(
            ["이 법은 국군의 조직을 규정한다.", "국군은 육군, 해군 및 공군으로 조직한다.", "첫째 줄은 마침표 없이 끝난다", "둘째 줄도 그렇습니까요", "셋째 줄은 이어지고 여기서 끝난다."],
            segments.Select(s => s.Text));
        Assert.All(segments, s => Assert.True(s.IsComplete, s.Text));
        Assert.All(segments, s => Assert.Equal(SegmentKind.Sentence, s.Kind));
    }

    [Fact]
    public void Segmenter_KeepsStatuteHeadingsWhole()
    {
        var segments = SentenceSegmenter.Segment("제1조(목적)\n이 법은 국방의 의무를 규정함을 목적으로 한다.\n제2조(정의) 이 법에서 \"군인\"이란 전시와 평시를 막론하고 군에 복무하는 사람을 말한다. <개정 2010.3.17>");
        Assert.Equal(
            [
                ("제1조(목적)", SegmentKind.Heading),
                ("이 법은 국방의 의무를 규정함을 목적으로 한다.", SegmentKind.Sentence),
                ("제2조(정의) 이 법에서 \"군인\"이란 전시와 평시를 막론하고 군에 복무하는 사람을 말한다.", SegmentKind.Sentence),
                ("<개정 2010.3.17>", SegmentKind.Fragment),
            ],
            segments.Select(s => (s.Text, s.Kind)));
    }

    [Fact]
    public void Segmenter_TreatsBulletAndNumberedLinesAsTheirOwnUnits()
    {
        var segments = SentenceSegmenter.Segment("• first item\n- second item\n○ third item\n□ 개념\nㅇ 기술 확보가 필요함\n① fifth item\n1. sixth item\n가. 일곱째 항목\n(1) eighth item\n**②** 국군은 군기를 사용한다.");
        Assert.Equal(["first item", "second item", "third item", "개념", "기술 확보가 필요함", "fifth item", "sixth item", "일곱째 항목", "eighth item", "국군은 군기를 사용한다."], segments.Select(s => s.Text));
        Assert.All(segments, s => Assert.Equal(SegmentKind.ListItem, s.Kind));
        Assert.Equal(["기술 확보가 필요함", "국군은 군기를 사용한다."], segments.Where(s => s.IsComplete).Select(s => s.Text));
    }

    [Fact]
    public void Segmenter_KeepsClosingQuotesParenthesesAndFootnoteNumbersWithTheirSentence()
    {
        Assert.Equal(
            ["He said “the strait is closed.”", "Ships waited (for days.)", "About 130 ships crossed each day.1", "As of April, few did."],
            SentenceSegmenter.Split("He said “the strait is closed.” Ships waited (for days.) About 130 ships crossed each day.1 As of April, few did."));
    }

    [Fact]
    public void Segmenter_JoinsWrappedLines_AndSeparatesATitleLine()
    {
        var segments = SentenceSegmenter.Segment("Introduction\n"
            + "Before the conflict began, the Strait was open to ship navigation without any constraint. The U.K. Maritime\n"
            + "Trade Operations center has recorded 17 attacks on vessels since March 1, 2026, with several\n"
            + "crew members killed. Re-\n"
            + "routing by truck is constrained and expensive, and air freight is economical only for a few goods.\n"
            + "Jones Act Waiver\n"
            + "On March 17, 2026, the Trump Administration waived the Jones Act for 60 days in an attempt to\n"
            + "facilitate transportation.");
        Assert.Equal(
            [
                ("Introduction", SegmentKind.Heading),
                ("Before the conflict began, the Strait was open to ship navigation without any constraint.", SegmentKind.Sentence),
                ("The U.K. Maritime Trade Operations center has recorded 17 attacks on vessels since March 1, 2026, with several crew members killed.", SegmentKind.Sentence),
                ("Re-routing by truck is constrained and expensive, and air freight is economical only for a few goods.", SegmentKind.Sentence),
                ("Jones Act Waiver", SegmentKind.Heading),
                ("On March 17, 2026, the Trump Administration waived the Jones Act for 60 days in an attempt to facilitate transportation.", SegmentKind.Sentence),
            ],
            segments.Select(s => (s.Text, s.Kind)));
    }

    [Fact]
    public void Segmenter_SpansPointBackIntoTheText()
    {
        var text = "  Introduction\n• The U.S. Navy escorted\n   ships.  Then it left.\n\n제1조(목적) 이 법은 …을 목적으로 한다.\r\n";
        foreach (var segment in SentenceSegmenter.Segment(text))
        {
            var span = text.Substring(segment.Start, segment.Length);
            Assert.Equal(segment.Text.Replace(" ", "", StringComparison.Ordinal), Regex.Replace(span, @"\s+", ""));
        }
    }

    [Fact]
    public void Segmenter_TableCellsWithoutSentenceEndsAreFragments()
    {
        var segments = SentenceSegmenter.Segment("품목번호\n2026-1차-바이오산업기술-맞춤형진단치료-품목-일반-01\n산업기술분류\n중분류Ⅰ");
        Assert.All(segments, s => Assert.Equal(SegmentKind.Fragment, s.Kind));
        Assert.All(segments, s => Assert.False(s.IsComplete));
    }
}
