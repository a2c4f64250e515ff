using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Tests.Markings;

public sealed class MarkingTests
{
    private static Marking M(ClassificationLevel level, string[]? caveats = null, string[]? relTo = null) => new(level, caveats, relTo);

    [Fact]
    public void Equality_CaveatOrderDoesNotMatter()
    {
        var a = M(ClassificationLevel.TopSecret, ["SI", "TK", "NOFORN"]);
        var b = M(ClassificationLevel.TopSecret, ["NOFORN", "TK", "SI"]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equality_RelToOrderDoesNotMatter_ButNullDiffersFromEmpty()
    {
        Assert.Equal(M(ClassificationLevel.Secret, relTo: ["USA", "KOR"]), M(ClassificationLevel.Secret, relTo: ["KOR", "USA"]));
        Assert.NotEqual(M(ClassificationLevel.Secret), M(ClassificationLevel.Secret, relTo: []));
    }

    [Fact]
    public void Equality_DifferentLevels_AreNotEqual() =>
        Assert.NotEqual(M(ClassificationLevel.Secret), M(ClassificationLevel.Confidential));

    [Fact]
    public void Constructor_AliasesAndCase_AreCanonicalized()
    {
        var marking = M(ClassificationLevel.Secret, ["nf", " oc ", "pr", "si-g"]);

        Assert.Equal(["NOFORN", "ORCON", "PROPIN", "SI-G"], marking.Caveats.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Constructor_NoForn_RemovesRelTo() =>
        Assert.Null(M(ClassificationLevel.Secret, ["NOFORN"], ["USA", "KOR"]).RelTo);

    [Fact]
    public void Constructor_NoFornWithRelToWithoutUsa_IsReleasableToNoOne() =>
        Assert.Equal([], M(ClassificationLevel.Secret, ["NOFORN"], ["KOR"]).RelTo!);

    [Fact]
    public void Constructor_FouoOnClassified_IsDropped() =>
        Assert.Empty(M(ClassificationLevel.Secret, ["FOUO"]).Caveats);

    [Fact]
    public void Constructor_FouoOnControlled_IsKept() =>
        Assert.Contains("FOUO", M(ClassificationLevel.Controlled, ["FOUO"]).Caveats);

    [Theory]
    [InlineData("")]
    [InlineData("NO FORN")]
    [InlineData("A//B")]
    [InlineData("REL TO USA")]
    public void Constructor_MalformedCaveat_Throws(string caveat) =>
        Assert.Throws<ArgumentException>(() => M(ClassificationLevel.Secret, [caveat]));

    [Theory]
    [InlineData("U")]
    [InlineData("KOREA")]
    [InlineData("")]
    public void Constructor_MalformedCountry_Throws(string country) =>
        Assert.Throws<ArgumentException>(() => M(ClassificationLevel.Secret, relTo: [country]));

    [Fact]
    public void Constructor_UndefinedLevel_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => M((ClassificationLevel)7));

    [Fact]
    public void Unclassified_HasNoCaveatsAndNoRelTo()
    {
        Assert.Equal(ClassificationLevel.Unclassified, Marking.Unclassified.Level);
        Assert.Empty(Marking.Unclassified.Caveats);
        Assert.Null(Marking.Unclassified.RelTo);
    }

    [Theory]
    [InlineData("SI", true)]
    [InlineData("TK", true)]
    [InlineData("HCS", true)]
    [InlineData("G", true)]
    [InlineData("SI-G", true)]
    [InlineData("NOFORN", false)]
    [InlineData("ORCON", false)]
    public void IsSci_SaysWhetherACompartmentIsPresent(string caveat, bool expected) =>
        Assert.Equal(expected, M(ClassificationLevel.TopSecret, [caveat]).IsSci);

    [Fact]
    public void Join_SecretAndConfidential_IsSecret() =>
        Assert.Equal(M(ClassificationLevel.Secret), Marking.Join(M(ClassificationLevel.Secret), M(ClassificationLevel.Confidential)));

    [Fact]
    public void Join_UnionsCaveats() =>
        Assert.Equal(
            M(ClassificationLevel.TopSecret, ["SI", "TK", "ORCON"]),
            Marking.Join(M(ClassificationLevel.TopSecret, ["SI"]), M(ClassificationLevel.Secret, ["TK", "ORCON"])));

    [Fact]
    public void Join_IntersectsRelTo() =>
        Assert.Equal(
            M(ClassificationLevel.Secret, relTo: ["USA", "KOR"]),
            Marking.Join(M(ClassificationLevel.Secret, relTo: ["USA", "KOR", "GBR"]), M(ClassificationLevel.Confidential, relTo: ["USA", "KOR", "AUS"])));

    [Fact]
    public void Join_NullRelTo_IsIdentity() =>
        Assert.Equal(
            M(ClassificationLevel.Secret, relTo: ["USA", "KOR"]),
            Marking.Join(M(ClassificationLevel.Secret), M(ClassificationLevel.Secret, relTo: ["USA", "KOR"])));

    [Fact]
    public void Join_NoFornBeatsRelTo() =>
        Assert.Equal(
            M(ClassificationLevel.Secret, ["NOFORN"]),
            Marking.Join(M(ClassificationLevel.Confidential, ["NOFORN"]), M(ClassificationLevel.Secret, relTo: ["USA", "KOR"])));

    [Fact]
    public void Join_DisjointRelTo_IsReleasableToNoOne() =>
        Assert.Equal([], Marking.Join(M(ClassificationLevel.Secret, relTo: ["KOR"]), M(ClassificationLevel.Secret, relTo: ["GBR"])).RelTo!);

    [Fact]
    public void Join_FouoWithSecret_IsPlainSecret() =>
        Assert.Equal(M(ClassificationLevel.Secret), Marking.Join(M(ClassificationLevel.Unclassified, ["FOUO"]), M(ClassificationLevel.Secret)));

    [Fact]
    public void Join_Empty_IsUnclassified() =>
        Assert.Equal(Marking.Unclassified, Marking.Join([]));

    [Fact]
    public void Join_Many_IsHighestWithAllCaveats() =>
        Assert.Equal(
            M(ClassificationLevel.TopSecret, ["SI", "NOFORN"]),
            Marking.Join([M(ClassificationLevel.Confidential), M(ClassificationLevel.TopSecret, ["SI"]), M(ClassificationLevel.Secret, ["NOFORN"])]));

    [Fact]
    public void IsAtLeast_LowerLevel_IsFalse() =>
        Assert.False(M(ClassificationLevel.Confidential).IsAtLeast(M(ClassificationLevel.Secret)));

    [Fact]
    public void IsAtLeast_MissingCaveat_IsFalse() =>
        Assert.False(M(ClassificationLevel.TopSecret).IsAtLeast(M(ClassificationLevel.Secret, ["ORCON"])));

    [Fact]
    public void IsAtLeast_WiderRelTo_IsFalse() =>
        Assert.False(M(ClassificationLevel.Secret, relTo: ["USA", "KOR", "GBR"]).IsAtLeast(M(ClassificationLevel.Secret, relTo: ["USA", "KOR"])));

    [Fact]
    public void ToString_IsReadable() =>
        Assert.Equal("Secret//NOFORN/SI", M(ClassificationLevel.Secret, ["SI", "NF"]).ToString());
}
