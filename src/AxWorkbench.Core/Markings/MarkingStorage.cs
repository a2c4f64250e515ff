namespace AxWorkbench.Core.Markings;

/// <summary>
/// The one scheme-neutral text form in which features store a <see cref="Marking"/>:
/// "Secret|NOFORN,SI|" or "Secret||REL:KOR,USA" (level name, caveats, REL TO).
/// </summary>
public static class MarkingStorage
{
    public static string ToStorage(Marking marking)
    {
        ArgumentNullException.ThrowIfNull(marking);
        var relTo = marking.RelTo is null ? "" : "REL:" + string.Join(',', marking.RelTo);
        return $"{marking.Level}|{string.Join(',', marking.Caveats)}|{relTo}";
    }

    /// <exception cref="MarkingFormatException">The stored text is damaged.</exception>
    public static Marking FromStorage(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split('|');
        if (parts.Length != 3 || !Enum.TryParse<ClassificationLevel>(parts[0], out var level) || !Enum.IsDefined(level))
        {
            throw new MarkingFormatException(stored, "a stored marking has the form 'Level|caveats|REL:countries' (the stored data is damaged)");
        }
        var caveats = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string>? relTo = parts[2].StartsWith("REL:", StringComparison.Ordinal)
            ? parts[2][4..].Split(',', StringSplitOptions.RemoveEmptyEntries)
            : null;
        return new Marking(level, caveats, relTo);
    }
}
