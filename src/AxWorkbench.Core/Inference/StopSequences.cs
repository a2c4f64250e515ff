using System.Text;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Stop sequences over streamed text. Tokens rarely line up with a stop string, so the match runs on the decoded text:
/// <see cref="Find"/> looks for a stop anywhere new text could have completed one, and <see cref="HoldBack"/> says how
/// many trailing characters could still be the start of one (those are not streamed until they cannot).
/// </summary>
internal static class StopSequences
{
    /// <summary>Where the earliest stop sequence starts in <paramref name="text"/>, or -1. Only the part that can contain
    /// a new match is searched: from <paramref name="emitted"/> minus a stop's length (text before that was already checked).</summary>
    public static int Find(StringBuilder text, int emitted, IReadOnlyList<string> stops)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(stops);
        var best = -1;
        foreach (var stop in stops)
        {
            if (string.IsNullOrEmpty(stop))
            {
                continue;
            }

            var from = Math.Max(0, emitted - stop.Length);
            var at = text.ToString(from, text.Length - from).IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || from + at < best))
            {
                best = from + at;
            }
        }

        return best;
    }

    /// <summary>Characters at the end of <paramref name="text"/> (not yet emitted) that are a proper prefix of some stop sequence.</summary>
    public static int HoldBack(StringBuilder text, int emitted, IReadOnlyList<string> stops)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(stops);
        var hold = 0;
        foreach (var stop in stops)
        {
            for (var k = Math.Min(stop.Length - 1, text.Length - emitted); k > hold; k--)
            {
                if (text.ToString(text.Length - k, k) == stop[..k])
                {
                    hold = k;
                    break;
                }
            }
        }

        return hold;
    }
}
