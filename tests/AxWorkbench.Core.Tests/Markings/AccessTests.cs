using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Tests.Markings;

public sealed class AccessTests
{
    private static UserAuthorization User(ClassificationLevel clearance, string[]? caveats = null, string? nationality = "USA") =>
        new(clearance, (caveats ?? []).ToHashSet(), nationality);

    private static Marking M(ClassificationLevel level, string[]? caveats = null, string[]? relTo = null) => new(level, caveats, relTo);

    [Fact]
    public void AnalystWithoutSecret_NeverSeesSecret() =>
        Assert.False(Access.Dominates(User(ClassificationLevel.Confidential), M(ClassificationLevel.Secret)));

    [Fact]
    public void SecretUser_SeesConfidentialAndSecret()
    {
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret), M(ClassificationLevel.Confidential)));
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret), M(ClassificationLevel.Secret)));
    }

    [Fact]
    public void TopSecretUser_WithoutSi_DoesNotSeeSi() =>
        Assert.False(Access.Dominates(User(ClassificationLevel.TopSecret, ["TK"]), M(ClassificationLevel.TopSecret, ["SI"])));

    [Fact]
    public void TopSecretUser_WithSiAndTk_SeesSiTk() =>
        Assert.True(Access.Dominates(User(ClassificationLevel.TopSecret, ["SI", "TK"]), M(ClassificationLevel.TopSecret, ["SI", "TK", "NOFORN"])));

    [Fact]
    public void UserCaveats_AreCanonicalizedBeforeComparing() =>
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret, ["oc"]), M(ClassificationLevel.Secret, ["ORCON"])));

    [Fact]
    public void NoForn_RequiresUsNationality()
    {
        var noforn = M(ClassificationLevel.Secret, ["NOFORN"]);
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret), noforn));
        Assert.False(Access.Dominates(User(ClassificationLevel.Secret, nationality: "KOR"), noforn));
        Assert.False(Access.Dominates(User(ClassificationLevel.Secret, nationality: null), noforn));
    }

    [Fact]
    public void RelTo_RequiresNationalityInList()
    {
        var rel = M(ClassificationLevel.Secret, relTo: ["USA", "KOR"]);
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret, nationality: "kor"), rel));
        Assert.False(Access.Dominates(User(ClassificationLevel.Secret, nationality: "GBR"), rel));
        Assert.False(Access.Dominates(User(ClassificationLevel.Secret, nationality: null), rel));
    }

    [Fact]
    public void EmptyRelTo_NobodyDominates() =>
        Assert.False(Access.Dominates(User(ClassificationLevel.TopSecret), M(ClassificationLevel.Secret, relTo: [])));

    [Fact]
    public void HandlingInstructions_NeedNoAuthorization()
    {
        Assert.True(Access.Dominates(User(ClassificationLevel.Controlled), M(ClassificationLevel.Controlled, ["FOUO"])));
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret), M(ClassificationLevel.Secret, ["RELIDO"])));
    }

    [Fact]
    public void Orcon_RequiresAuthorization() =>
        Assert.False(Access.Dominates(User(ClassificationLevel.TopSecret), M(ClassificationLevel.Secret, ["ORCON"])));

    [Fact]
    public void JoinOfTwoRelToLists_VisibleOnlyToNationsInBoth()
    {
        var joined = Marking.Join(M(ClassificationLevel.Secret, relTo: ["USA", "KOR", "GBR"]), M(ClassificationLevel.Secret, relTo: ["USA", "GBR"]));
        Assert.True(Access.Dominates(User(ClassificationLevel.Secret, nationality: "GBR"), joined));
        Assert.False(Access.Dominates(User(ClassificationLevel.Secret, nationality: "KOR"), joined));
    }
}
