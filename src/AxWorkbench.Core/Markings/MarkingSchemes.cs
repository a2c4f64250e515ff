namespace AxWorkbench.Core.Markings;

/// <summary>The two shipped schemes. Both are stateless and thread-safe.</summary>
public static class MarkingSchemes
{
    public static IMarkingScheme Us { get; } = new UsMarkingScheme();

    public static IMarkingScheme Rok { get; } = new RokMarkingScheme();

    public static IMarkingScheme For(MarkingSchemeKind kind) => kind switch
    {
        MarkingSchemeKind.Us => Us,
        MarkingSchemeKind.Rok => Rok,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown marking scheme."),
    };
}
