using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Tests.Markings;

public sealed class RokMarkingSchemeTests
{
    private static readonly IMarkingScheme _rok = MarkingSchemes.Rok;

    [Theory]
    [InlineData("일반", ClassificationLevel.Unclassified)]
    [InlineData("평문", ClassificationLevel.Unclassified)]
    [InlineData("UNCLASSIFIED", ClassificationLevel.Unclassified)]
    [InlineData("대외비", ClassificationLevel.Controlled)]
    [InlineData("Ⅲ급비밀", ClassificationLevel.Confidential)]
    [InlineData("III급", ClassificationLevel.Confidential)]
    [InlineData("3급 비밀", ClassificationLevel.Confidential)]
    [InlineData("군사Ⅲ급", ClassificationLevel.Confidential)]
    [InlineData("Ⅱ급비밀", ClassificationLevel.Secret)]
    [InlineData("Ⅱ급 비밀", ClassificationLevel.Secret)]
    [InlineData("2급비밀", ClassificationLevel.Secret)]
    [InlineData("II 급 비밀", ClassificationLevel.Secret)]
    [InlineData("군사 2급 비밀", ClassificationLevel.Secret)]
    [InlineData("Ⅰ급비밀", ClassificationLevel.TopSecret)]
    [InlineData("I급비밀", ClassificationLevel.TopSecret)]
    [InlineData("1급", ClassificationLevel.TopSecret)]
    [InlineData("군사Ⅰ급비밀", ClassificationLevel.TopSecret)]
    [InlineData("ⅰ급비밀", ClassificationLevel.TopSecret)]
    public void ParseBanner_Spelling_MapsToLevel(string text, ClassificationLevel expected) =>
        Assert.Equal(new Marking(expected), _rok.ParseBanner(text));

    [Theory]
    [InlineData("(Ⅱ급)", ClassificationLevel.Secret)]
    [InlineData("(2급)", ClassificationLevel.Secret)]
    [InlineData("( Ⅱ급비밀 )", ClassificationLevel.Secret)]
    [InlineData("(대외비)", ClassificationLevel.Controlled)]
    [InlineData("(일반)", ClassificationLevel.Unclassified)]
    [InlineData("（Ⅰ급）", ClassificationLevel.TopSecret)]
    public void ParsePortion_Spelling_MapsToLevel(string text, ClassificationLevel expected) =>
        Assert.Equal(new Marking(expected), _rok.ParsePortion(text));

    [Theory]
    [InlineData("4급비밀", "'4급' is not a grade")]
    [InlineData("Ⅳ급비밀", "'IV급' is not a grade")]
    [InlineData("비밀", "not a Rok classification level")]
    [InlineData("SECRET", "not a Rok classification level")]
    [InlineData("", "empty")]
    [InlineData("Ⅱ급비밀//", "empty control")]
    [InlineData("(Ⅱ급)", "no parentheses")]
    public void ParseBanner_Malformed_ThrowsNamingTextAndReason(string text, string reason)
    {
        var ex = Assert.Throws<MarkingFormatException>(() => _rok.ParseBanner(text));
        Assert.Contains($"'{text}'", ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Theory]
    [InlineData("(4급)")]
    [InlineData("Ⅱ급")]
    [InlineData("(Ⅱ급")]
    [InlineData("(S)")]
    public void ParsePortion_Malformed_Throws(string text) =>
        Assert.Throws<MarkingFormatException>(() => _rok.ParsePortion(text));

    [Theory]
    [InlineData(ClassificationLevel.Unclassified, "일반", "(일반)")]
    [InlineData(ClassificationLevel.Controlled, "대외비", "(대외비)")]
    [InlineData(ClassificationLevel.Confidential, "Ⅲ급비밀", "(Ⅲ급)")]
    [InlineData(ClassificationLevel.Secret, "Ⅱ급비밀", "(Ⅱ급)")]
    [InlineData(ClassificationLevel.TopSecret, "Ⅰ급비밀", "(Ⅰ급)")]
    public void Format_Level_IsCanonical(ClassificationLevel level, string banner, string portion)
    {
        Assert.Equal(banner, _rok.FormatBanner(new Marking(level)));
        Assert.Equal(portion, _rok.FormatPortion(new Marking(level)));
        Assert.Equal(banner, _rok.LevelName(level));
    }

    [Fact]
    public void FormatBanner_Caveats_UseTheSharedSyntax_WithKoreaFirst()
    {
        var marking = new Marking(ClassificationLevel.Secret, relTo: ["USA", "KOR"]);

        Assert.Equal("Ⅱ급비밀//REL TO KOR, USA", _rok.FormatBanner(marking));
        Assert.Equal(marking, _rok.ParseBanner("Ⅱ급 비밀 // REL TO USA, KOR"));
    }

    [Fact]
    public void TryParse_AcceptsBannerAndPortion()
    {
        Assert.True(_rok.TryParse("군사 Ⅱ급 비밀", out var banner));
        Assert.True(_rok.TryParse("(2급)", out var portion));
        Assert.Equal(banner, portion);
        Assert.False(_rok.TryParse("5급", out _));
    }

    [Theory]
    [InlineData(ClassificationLevel.Unclassified, "#007A33")]
    [InlineData(ClassificationLevel.Controlled, "#502B85")]
    [InlineData(ClassificationLevel.Confidential, "#0033A0")]
    [InlineData(ClassificationLevel.Secret, "#C8102E")]
    [InlineData(ClassificationLevel.TopSecret, "#FF8C00")]
    public void Colors_FollowTheSameConvention(ClassificationLevel level, string background) =>
        Assert.Equal(background, _rok.Colors(new Marking(level)).Background);

    [Fact]
    public void Scheme_IsRok_WithAllLevels()
    {
        Assert.Equal(MarkingSchemeKind.Rok, _rok.Kind);
        Assert.Equal(Enum.GetValues<ClassificationLevel>(), _rok.Levels);
        Assert.Same(_rok, MarkingSchemes.For(MarkingSchemeKind.Rok));
    }
}
