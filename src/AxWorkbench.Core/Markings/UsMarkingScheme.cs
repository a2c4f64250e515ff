namespace AxWorkbench.Core.Markings;

/// <summary>US markings: UNCLASSIFIED, CUI, CONFIDENTIAL, SECRET, TOP SECRET; portions (U), (CUI), (C), (S), (TS).</summary>
internal sealed class UsMarkingScheme : MarkingScheme
{
    public override MarkingSchemeKind Kind => MarkingSchemeKind.Us;

    protected override string HomeCountry => ControlMarkings.UnitedStates;

    public override string LevelName(ClassificationLevel level) => level switch
    {
        ClassificationLevel.Unclassified => "UNCLASSIFIED",
        ClassificationLevel.Controlled => "CUI",
        ClassificationLevel.Confidential => "CONFIDENTIAL",
        ClassificationLevel.Secret => "SECRET",
        ClassificationLevel.TopSecret => "TOP SECRET",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown classification level."),
    };

    protected override string PortionLevelName(ClassificationLevel level) => level switch
    {
        ClassificationLevel.Unclassified => "U",
        ClassificationLevel.Controlled => "CUI",
        ClassificationLevel.Confidential => "C",
        ClassificationLevel.Secret => "S",
        ClassificationLevel.TopSecret => "TS",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown classification level."),
    };

    /// <summary>Long and short names are accepted in both banner and portion form.</summary>
    protected override (ClassificationLevel? Level, string? Reason) ParseLevel(string text) =>
        ControlMarkings.Spaces().Replace(text, " ").ToUpperInvariant() switch
        {
            "UNCLASSIFIED" or "U" => (ClassificationLevel.Unclassified, null),
            "CUI" or "CONTROLLED UNCLASSIFIED INFORMATION" => (ClassificationLevel.Controlled, null),
            "CONFIDENTIAL" or "C" => (ClassificationLevel.Confidential, null),
            "SECRET" or "S" => (ClassificationLevel.Secret, null),
            "TOP SECRET" or "TS" => (ClassificationLevel.TopSecret, null),
            _ => (null, null),
        };

    /// <summary>US REL TO lists always include USA; it is added when missing.</summary>
    protected override IEnumerable<string> CompleteRelTo(IReadOnlyCollection<string> countries) =>
        countries.Contains(ControlMarkings.UnitedStates) ? countries : [ControlMarkings.UnitedStates, .. countries];
}
