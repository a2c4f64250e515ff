using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Documents;

/// <summary>A scheme-neutral text form of a <see cref="Marking"/> for storage: "Secret|NOFORN,SI|" or "Secret||KOR,USA".</summary>
public static class MarkingStorage
{
    public static string ToStorage(Marking marking)
    {
        ArgumentNullException.ThrowIfNull(marking);
        var relTo = marking.RelTo is null ? "" : "REL:" + string.Join(',', marking.RelTo);
        return $"{marking.Level}|{string.Join(',', marking.Caveats)}|{relTo}";
    }

    public static Marking FromStorage(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split('|');
        if (parts.Length != 3 || !Enum.TryParse<ClassificationLevel>(parts[0], out var level))
        {
            throw new FormatException($"'{stored}' is not a stored marking.");
        }
        var caveats = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string>? relTo = parts[2].StartsWith("REL:", StringComparison.Ordinal)
            ? parts[2][4..].Split(',', StringSplitOptions.RemoveEmptyEntries)
            : null;
        return new Marking(level, caveats, relTo);
    }
}
