using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Tests.Documents;

public sealed class MarkingDetectorTests
{
    [Fact]
    public void BannerAndPortionMarks_AreFoundPerPageAndParagraph()
    {
        ParsedPage[] pages =
        [
            new(1, "UNCLASSIFIED\n(U) Background."),
            new(2, "SECRET//NOFORN\n(U) Intro.\n(S//NF) Troop movements."),
        ];
        var marks = MarkingDetector.Detect(pages);
        Assert.Contains(marks, m => m is { Page: 2, Paragraph: 0, IsBanner: true } && m.Marking.Level == ClassificationLevel.Secret);
        Assert.Contains(marks, m => m is { Page: 2, Paragraph: 2, IsBanner: false, Found: "(S//NF)" });
        var above = MarkingDetector.FirstAbove(marks, Marking.Unclassified);
        Assert.NotNull(above);
        Assert.Equal(2, above.Page);
    }

    [Fact]
    public void KoreanMarks_AreFound()
    {
        var marks = MarkingDetector.Detect([new ParsedPage(1, "Ⅱ급비밀\n(대외비) 훈련 계획")]);
        Assert.Contains(marks, m => m.IsBanner && m.Marking.Level == ClassificationLevel.Secret);
        Assert.Contains(marks, m => !m.IsBanner && m.Marking.Level == ClassificationLevel.Controlled);
    }

    [Fact]
    public void OrdinaryText_IsNotReadAsMarkings()
    {
        ParsedPage[] pages =
        [
            new(1, "(a) In general.\n(b) Definitions.\n(c) Exceptions.\nSecret\n(B) first\n(C) second\n(D) third\nTop secret plans were discussed."),
        ];
        Assert.DoesNotContain(MarkingDetector.Detect(pages), m => m.Marking.Level > ClassificationLevel.Unclassified);
    }

    [Fact]
    public void DeclaredAtLeastTheText_PassesAndLowerIsCaught()
    {
        var marks = MarkingDetector.Detect([new ParsedPage(1, "(C) Budget figures.")]);
        Assert.Null(MarkingDetector.FirstAbove(marks, new Marking(ClassificationLevel.Secret)));
        Assert.NotNull(MarkingDetector.FirstAbove(marks, new Marking(ClassificationLevel.Controlled)));
    }
}
