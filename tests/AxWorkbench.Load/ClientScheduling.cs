using System.Globalization;

namespace AxWorkbench.Load;

/// <summary>
/// What the analysts' browser processes actually run at: the scheduling policy and niceness of the wrapper's process
/// and every descendant, from /proc (chromium resets its renderers' niceness, so the flag alone proves nothing).
/// </summary>
public static class ClientScheduling
{
    private static readonly string[] Policies = ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"];

    /// <summary>"policy nice N" → processes, for the process in <paramref name="pidFile"/> and its descendants; empty when unknown.</summary>
    public static SortedDictionary<string, int> Describe(string pidFile)
    {
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var root))
        {
            return tally;
        }
        var parents = new Dictionary<int, int>();
        var states = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name in parentheses: state is field 3, ppid 4, nice 19, policy 41.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var policy = int.Parse(fields[38], CultureInfo.InvariantCulture);
                states[pid] = $"{(policy < Policies.Length ? Policies[policy] : policy.ToString(CultureInfo.InvariantCulture))} nice {fields[16]}";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // the process ended meanwhile
            }
        }
        foreach (var (pid, state) in states)
        {
            for (var p = pid; p > 1; p = parents.GetValueOrDefault(p, 0))
            {
                if (p == root)
                {
                    tally[state] = tally.GetValueOrDefault(state) + 1;
                    break;
                }
            }
        }
        return tally;
    }
}
