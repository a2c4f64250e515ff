using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Tests.Markings;

public sealed class UsMarkingSchemeTests
{
    private static readonly IMarkingScheme _us = MarkingSchemes.Us;

    private static Marking M(ClassificationLevel level, string[]? caveats = null, string[]? relTo = null) => new(level, caveats, relTo);

    [Theory]
    [InlineData("UNCLASSIFIED", ClassificationLevel.Unclassified)]
    [InlineData("CUI", ClassificationLevel.Controlled)]
    [InlineData("Controlled Unclassified Information", ClassificationLevel.Controlled)]
    [InlineData("CONFIDENTIAL", ClassificationLevel.Confidential)]
    [InlineData("secret", ClassificationLevel.Secret)]
    [InlineData("  TOP   SECRET  ", ClassificationLevel.TopSecret)]
    public void ParseBanner_Level_IsRecognized(string text, ClassificationLevel expected) =>
        Assert.Equal(M(expected), _us.ParseBanner(text));

    [Fact]
    public void ParseBanner_SecretNoForn_HasNoForn() =>
        Assert.Equal(M(ClassificationLevel.Secret, ["NOFORN"]), _us.ParseBanner("SECRET//NOFORN"));

    [Fact]
    public void ParseBanner_TopSecretSiNoForn_HasCompartmentAndNoForn() =>
        Assert.Equal(M(ClassificationLevel.TopSecret, ["SI", "NOFORN"]), _us.ParseBanner("TOP SECRET//SI//NOFORN"));

    [Fact]
    public void ParseBanner_RelTo_ReadsCountryList() =>
        Assert.Equal(M(ClassificationLevel.Secret, relTo: ["USA", "KOR"]), _us.ParseBanner("SECRET//REL TO USA, KOR"));

    [Fact]
    public void ParseBanner_RelToWithoutUsa_AddsUsa() =>
        Assert.Equal(M(ClassificationLevel.Secret, relTo: ["USA", "KOR"]), _us.ParseBanner("SECRET//REL TO KOR"));

    [Theory]
    [InlineData("top secret // si / tk // nf / oc")]
    [InlineData("TOP SECRET//SI//TK//ORCON//NOFORN")]
    [InlineData("TS//TK/SI//NOFORN/ORCON")]
    public void ParseBanner_SpacingCaseAndShortForms_AreTolerated(string text) =>
        Assert.Equal(M(ClassificationLevel.TopSecret, ["SI", "TK", "NOFORN", "ORCON"]), _us.ParseBanner(text));

    [Fact]
    public void ParseBanner_FullWidthCharacters_AreNormalized() =>
        Assert.Equal(M(ClassificationLevel.Secret, ["NOFORN"]), _us.ParseBanner("ＳＥＣＲＥＴ／／ＮＯＦＯＲＮ"));

    [Fact]
    public void ParseBanner_UnclassifiedFouo_IsAccepted() =>
        Assert.Equal(M(ClassificationLevel.Unclassified, ["FOUO"]), _us.ParseBanner("UNCLASSIFIED//FOR OFFICIAL USE ONLY"));

    [Fact]
    public void ParseBanner_SubCompartment_IsKeptWhole() =>
        Assert.Equal(M(ClassificationLevel.TopSecret, ["SI-G", "NOFORN"]), _us.ParseBanner("TOP SECRET//SI-G//NOFORN"));

    [Theory]
    [InlineData("(U)", ClassificationLevel.Unclassified)]
    [InlineData("(CUI)", ClassificationLevel.Controlled)]
    [InlineData("(C)", ClassificationLevel.Confidential)]
    [InlineData("( s )", ClassificationLevel.Secret)]
    [InlineData("(TS)", ClassificationLevel.TopSecret)]
    public void ParsePortion_Level_IsRecognized(string text, ClassificationLevel expected) =>
        Assert.Equal(M(expected), _us.ParsePortion(text));

    [Fact]
    public void ParsePortion_WithControls_ReadsThem()
    {
        Assert.Equal(M(ClassificationLevel.Secret, ["NOFORN"]), _us.ParsePortion("(S//NF)"));
        Assert.Equal(M(ClassificationLevel.TopSecret, ["SI", "NOFORN"]), _us.ParsePortion("(TS//SI//NF)"));
        Assert.Equal(M(ClassificationLevel.Confidential, relTo: ["USA", "KOR"]), _us.ParsePortion("(C//REL TO USA, KOR)"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("SECRET//", "empty control")]
    [InlineData("TOP SEKRET", "not a Us classification level")]
    [InlineData("SECRET//FOO", "unknown control marking 'FOO'")]
    [InlineData("U//NOFORN", "NOFORN is not used on UNCLASSIFIED")]
    [InlineData("UNCLASSIFIED//REL TO USA, KOR", "REL TO is not used")]
    [InlineData("SECRET//FOUO", "FOUO is used only")]
    [InlineData("CUI//SI", "SI requires CONFIDENTIAL")]
    [InlineData("SECRET//NOFORN/REL TO USA, KOR", "NOFORN contradicts REL TO")]
    [InlineData("SECRET//REL TO", "REL TO without countries")]
    [InlineData("SECRET//REL TO USA,, KOR", "empty entry")]
    [InlineData("SECRET//REL TO USA, KOREA", "'KOREA'")]
    [InlineData("SECRET//REL TO USA//REL TO KOR", "REL TO appears twice")]
    [InlineData("SECRET/NOFORN", "separate controls")]
    [InlineData("//NOFORN", "no classification level")]
    [InlineData("(SECRET)", "no parentheses")]
    [InlineData("SECRET (", "unbalanced")]
    public void ParseBanner_Malformed_ThrowsNamingTextAndReason(string text, string reason)
    {
        var ex = Assert.Throws<MarkingFormatException>(() => _us.ParseBanner(text));
        Assert.Contains($"'{text}'", ex.Message);
        Assert.Contains(reason, ex.Message);
        Assert.Equal(text, ex.Text);
    }

    [Theory]
    [InlineData("(X)", "'X' is not a Us classification level")]
    [InlineData("(S//)", "empty control")]
    [InlineData("S//NF", "parentheses")]
    [InlineData("(S//NF", "unbalanced")]
    [InlineData("((S))", "nested")]
    [InlineData("()", "empty")]
    [InlineData("(U//NF)", "NOFORN is not used on UNCLASSIFIED")]
    public void ParsePortion_Malformed_ThrowsNamingTextAndReason(string text, string reason)
    {
        var ex = Assert.Throws<MarkingFormatException>(() => _us.ParsePortion(text));
        Assert.Contains($"'{text}'", ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => _us.ParseBanner(null!));
        Assert.Throws<ArgumentNullException>(() => _us.ParsePortion(null!));
    }

    [Theory]
    [InlineData("SECRET//NOFORN", ClassificationLevel.Secret)]
    [InlineData("(TS//SI//NF)", ClassificationLevel.TopSecret)]
    [InlineData(" (CUI) ", ClassificationLevel.Controlled)]
    public void TryParse_BannerOrPortion_Succeeds(string text, ClassificationLevel expected)
    {
        Assert.True(_us.TryParse(text, out var marking));
        Assert.Equal(expected, marking.Level);
    }

    [Theory]
    [InlineData("")]
    [InlineData("TOP SEKRET")]
    [InlineData("(X)")]
    [InlineData(null)]
    public void TryParse_Malformed_ReturnsFalseAndNoMarking(string? text)
    {
        Assert.False(_us.TryParse(text!, out var marking));
        Assert.Null(marking);
    }

    [Fact]
    public void FormatBanner_UsesLongFormsInCanonicalOrder() =>
        Assert.Equal("TOP SECRET//HCS/SI/TK//ORCON/NOFORN/PROPIN", _us.FormatBanner(M(ClassificationLevel.TopSecret, ["pr", "NF", "TK", "OC", "SI", "HCS"])));

    [Fact]
    public void FormatPortion_UsesShortForms() =>
        Assert.Equal("(TS//SI//OC/NF)", _us.FormatPortion(M(ClassificationLevel.TopSecret, ["NOFORN", "ORCON", "SI"])));

    [Fact]
    public void FormatBanner_RelTo_PutsUsaFirstThenAlphabetical() =>
        Assert.Equal("SECRET//REL TO USA, GBR, KOR, FVEY", _us.FormatBanner(M(ClassificationLevel.Secret, relTo: ["FVEY", "KOR", "USA", "GBR"])));

    [Fact]
    public void FormatPortion_RelTo_IsWrittenOut() =>
        Assert.Equal("(C//REL TO USA, KOR)", _us.FormatPortion(M(ClassificationLevel.Confidential, relTo: ["KOR", "USA"])));

    [Fact]
    public void FormatBanner_EmptyRelTo_ShowsNoForn() =>
        Assert.Equal("SECRET//NOFORN", _us.FormatBanner(M(ClassificationLevel.Secret, relTo: [])));

    [Theory]
    [InlineData(ClassificationLevel.Unclassified, "UNCLASSIFIED", "(U)")]
    [InlineData(ClassificationLevel.Controlled, "CUI", "(CUI)")]
    [InlineData(ClassificationLevel.Confidential, "CONFIDENTIAL", "(C)")]
    [InlineData(ClassificationLevel.Secret, "SECRET", "(S)")]
    [InlineData(ClassificationLevel.TopSecret, "TOP SECRET", "(TS)")]
    public void Format_Level_IsCanonical(ClassificationLevel level, string banner, string portion)
    {
        Assert.Equal(banner, _us.FormatBanner(M(level)));
        Assert.Equal(portion, _us.FormatPortion(M(level)));
        Assert.Equal(banner, _us.LevelName(level));
    }

    [Theory]
    [InlineData("UNCLASSIFIED", "#007A33", "#FFFFFF")]
    [InlineData("CUI", "#502B85", "#FFFFFF")]
    [InlineData("CONFIDENTIAL", "#0033A0", "#FFFFFF")]
    [InlineData("SECRET//NOFORN", "#C8102E", "#FFFFFF")]
    [InlineData("TOP SECRET//NOFORN", "#FF8C00", "#000000")]
    [InlineData("TOP SECRET//SI//NOFORN", "#FCE83A", "#000000")]
    public void Colors_FollowConvention(string banner, string background, string foreground) =>
        Assert.Equal(new BannerColors(background, foreground), _us.Colors(_us.ParseBanner(banner)));

    [Fact]
    public void Scheme_ListsAllLevelsAscending()
    {
        Assert.Equal(MarkingSchemeKind.Us, _us.Kind);
        Assert.Equal(Enum.GetValues<ClassificationLevel>(), _us.Levels);
        Assert.Same(_us, MarkingSchemes.For(MarkingSchemeKind.Us));
    }
}
