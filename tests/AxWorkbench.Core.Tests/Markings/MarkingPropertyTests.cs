using AxWorkbench.Core.Markings;
using FsCheck.Xunit;

namespace AxWorkbench.Core.Tests.Markings;

[Properties(Arbitrary = [typeof(MarkingGenerators)], MaxTest = 300)]
public sealed class MarkingPropertyTests
{
    [Property]
    public bool Join_IsCommutative(Marking a, Marking b) =>
        Marking.Join(a, b) == Marking.Join(b, a);

    [Property]
    public bool Join_IsAssociative(Marking a, Marking b, Marking c) =>
        Marking.Join(Marking.Join(a, b), c) == Marking.Join(a, Marking.Join(b, c));

    [Property]
    public bool Join_IsIdempotent(Marking a) =>
        Marking.Join(a, a) == a;

    [Property]
    public bool Join_WithUnclassified_IsIdentity(Marking a) =>
        Marking.Join(a, Marking.Unclassified) == a;

    [Property]
    public bool Join_IsAtLeastEachInput(Marking a, Marking b)
    {
        var joined = Marking.Join(a, b);
        return joined.IsAtLeast(a) && joined.IsAtLeast(b)
            && joined.Level >= a.Level && joined.Level >= b.Level
            && a.Caveats.Concat(b.Caveats).All(c => joined.Caveats.Contains(c) || c == ControlMarkings.Fouo);
    }

    [Property]
    public bool IsAtLeast_AgreesWithJoin(Marking a, Marking c) =>
        c.IsAtLeast(a) == (Marking.Join(a, c) == c);

    [Property]
    public bool Join_OfSequence_EqualsPairwiseFold(Marking[] markings) =>
        Marking.Join(markings) == markings.Reverse().Aggregate(Marking.Unclassified, Marking.Join);

    [Property]
    public bool Equal_Markings_HaveEqualHashCodes(Marking a, Marking b) =>
        a != b || a.GetHashCode() == b.GetHashCode();

    /// <summary>Holds for every marking, REL TO included: REL TO lists intersect and NOFORN counts as REL TO USA.</summary>
    [Property]
    public bool Dominates_Join_IffDominatesBoth(UserAuthorization user, Marking a, Marking b) =>
        Access.Dominates(user, Marking.Join(a, b)) == (Access.Dominates(user, a) && Access.Dominates(user, b));

    [Property]
    public bool Dominates_IsMonotone_HigherMarkingNeverVisibleWhenLowerIsNot(UserAuthorization user, Marking a, Marking b) =>
        !b.IsAtLeast(a) || !Access.Dominates(user, b) || Access.Dominates(user, a);

    [Property]
    public bool Us_ParseBanner_OfFormatBanner_RoundTrips(WellFormedMarking m) =>
        MarkingSchemes.Us.ParseBanner(MarkingSchemes.Us.FormatBanner(m.Value)) == m.Value;

    [Property]
    public bool Us_ParsePortion_OfFormatPortion_RoundTrips(WellFormedMarking m) =>
        MarkingSchemes.Us.ParsePortion(MarkingSchemes.Us.FormatPortion(m.Value)) == m.Value;

    [Property]
    public bool Rok_ParseBanner_OfFormatBanner_RoundTrips(WellFormedMarking m) =>
        MarkingSchemes.Rok.ParseBanner(MarkingSchemes.Rok.FormatBanner(m.Value)) == m.Value;

    [Property]
    public bool Rok_ParsePortion_OfFormatPortion_RoundTrips(WellFormedMarking m) =>
        MarkingSchemes.Rok.ParsePortion(MarkingSchemes.Rok.FormatPortion(m.Value)) == m.Value;

    [Property]
    public bool TryParse_AcceptsBothFormsOfEveryWellFormedMarking(WellFormedMarking m) =>
        MarkingSchemes.For(MarkingSchemeKind.Us).TryParse(MarkingSchemes.Us.FormatPortion(m.Value), out var portion) && portion == m.Value
        && MarkingSchemes.Rok.TryParse(MarkingSchemes.Rok.FormatBanner(m.Value), out var banner) && banner == m.Value;

    [Property]
    public bool Format_IsCanonical_ReformattingLowerCaseGivesTheSameText(WellFormedMarking m)
    {
        var banner = MarkingSchemes.Us.FormatBanner(m.Value);
        return MarkingSchemes.Us.FormatBanner(MarkingSchemes.Us.ParseBanner(banner.ToLowerInvariant().Replace("//", " // "))) == banner;
    }
}
