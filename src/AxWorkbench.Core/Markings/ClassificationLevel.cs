namespace AxWorkbench.Core.Markings;

/// <summary>Classification levels, totally ordered by value (higher is more sensitive).</summary>
public enum ClassificationLevel
{
    Unclassified = 0,
    Controlled = 1,
    Confidential = 2,
    Secret = 3,
    TopSecret = 4,
}

/// <summary>The marking conventions a site uses for display and parsing.</summary>
public enum MarkingSchemeKind
{
    Us,
    Rok,
}
