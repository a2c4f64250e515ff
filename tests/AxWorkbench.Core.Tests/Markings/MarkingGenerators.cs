using AxWorkbench.Core.Markings;
using FsCheck;
using FsCheck.Fluent;

namespace AxWorkbench.Core.Tests.Markings;

/// <summary>A marking that both schemes can write and read back (what parsing produces).</summary>
public sealed record WellFormedMarking(Marking Value)
{
    public override string ToString() => Value.ToString();
}

/// <summary>FsCheck generators: any marking the type can hold, well-formed markings, and users.</summary>
public static class MarkingGenerators
{
    private static readonly string[] _anyCaveats = ["SI", "TK", "HCS", "SI-G", "NOFORN", "ORCON", "PROPIN", "RELIDO", "FOUO"];
    private static readonly string[] _classifiedCaveats = ["SI", "TK", "HCS", "G", "SI-G", "NOFORN", "ORCON", "PROPIN", "RELIDO"];
    private static readonly string[] _cuiCaveats = ["FOUO", "NOFORN", "PROPIN", "RELIDO"];
    private static readonly string[] _countries = ["USA", "KOR", "GBR", "AUS", "CAN", "FVEY"];
    private static readonly string[] _foreign = ["KOR", "GBR", "AUS", "CAN", "FVEY"];

    private static Gen<ClassificationLevel> Level => Gen.Elements(Enum.GetValues<ClassificationLevel>());

    private static Gen<string[]> Subset(string[] items) => Gen.SubListOf(items).Select(l => l.ToArray());

    /// <summary>Any level, any caveat subset, REL TO null or any subset (possibly empty, possibly without USA).</summary>
    public static Gen<Marking> AnyMarking =>
        from level in Level
        from caveats in Subset(_anyCaveats)
        from relTo in Gen.OneOf(Gen.Constant<string[]?>(null), Subset(_countries).Select(c => (string[]?)c))
        select new Marking(level, caveats, relTo);

    /// <summary>Valid combinations only: FOUO below CONFIDENTIAL, SCI/ORCON at CONFIDENTIAL and above, REL TO lists containing USA.</summary>
    public static Gen<Marking> WellFormed =>
        from level in Level
        from caveats in level switch
        {
            ClassificationLevel.Unclassified => Subset(["FOUO"]),
            ClassificationLevel.Controlled => Subset(_cuiCaveats),
            _ => Subset(_classifiedCaveats),
        }
        from relTo in level == ClassificationLevel.Unclassified || caveats.Contains("NOFORN")
            ? Gen.Constant<string[]?>(null)
            : Gen.OneOf(Gen.Constant<string[]?>(null), Subset(_foreign).Select(c => (string[]?)["USA", .. c]))
        select new Marking(level, caveats, relTo);

    public static Arbitrary<Marking> AnyMarkings() => Arb.From(AnyMarking);

    public static Arbitrary<WellFormedMarking> WellFormedMarkings() => Arb.From(WellFormed.Select(m => new WellFormedMarking(m)));

    public static Arbitrary<UserAuthorization> Users() => Arb.From(
        from clearance in Level
        from caveats in Subset(_anyCaveats)
        from nationality in Gen.Elements<string?>("USA", "KOR", "GBR", null)
        select new UserAuthorization(clearance, caveats.ToHashSet(), nationality));
}
