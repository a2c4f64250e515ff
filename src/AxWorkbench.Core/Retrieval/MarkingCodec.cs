using System.Globalization;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Retrieval;

/// <summary>A scheme-neutral storage form of a <see cref="Marking"/>: "level|caveats|relTo", e.g. "3|NOFORN,SI|-" or "2||KOR,USA".</summary>
public static class MarkingCodec
{
    public static string Encode(Marking marking)
    {
        ArgumentNullException.ThrowIfNull(marking);
        var relTo = marking.RelTo is null ? "-" : string.Join(',', marking.RelTo);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)marking.Level}|{string.Join(',', marking.Caveats)}|{relTo}");
    }

    public static Marking Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('|');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var level))
        {
            throw new MarkingFormatException(text, "a stored retrieval marking has the form 'level|caveats|relTo' (the retrieval tables are damaged)");
        }

        var caveats = parts[1].Length == 0 ? [] : parts[1].Split(',');
        string[]? relTo = parts[2] == "-" ? null : parts[2].Length == 0 ? [] : parts[2].Split(',');
        return new Marking((ClassificationLevel)level, caveats, relTo);
    }
}
