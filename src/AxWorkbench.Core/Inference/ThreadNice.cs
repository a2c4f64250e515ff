using System.Runtime.InteropServices;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Lowers the calling thread's CPU priority on Linux (its nice value; Linux schedules threads one by one, and threads
/// a thread creates inherit its value, so llama.cpp's decode workers started from it run at the same niceness).
/// </summary>
internal static class ThreadNice
{
    private const int PrioProcess = 0;

    /// <summary>
    /// Adds <paramref name="increment"/> to the calling thread's nice value (at most 19). Returns the value it now has,
    /// or null where this is not Linux or the call failed (the thread keeps its priority; nothing else depends on it).
    /// </summary>
    public static int? Lower(int increment)
    {
        if (increment <= 0 || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var tid = gettid();
        Marshal.SetLastSystemError(0);
        var current = getpriority(PrioProcess, (uint)tid);
        if (current == -1 && Marshal.GetLastSystemError() != 0)
        {
            return null;
        }

        var target = Math.Min(19, current + increment);
        return setpriority(PrioProcess, (uint)tid, target) == 0 ? target : null;
    }

    // DllImport, not LibraryImport: every argument is blittable, and LibraryImport would make the whole assembly allow unsafe code.
#pragma warning disable SYSLIB1054, CA5392
    [DllImport("libc")]
    private static extern int gettid();

    [DllImport("libc")]
    private static extern int getpriority(int which, uint who);

    [DllImport("libc")]
    private static extern int setpriority(int which, uint who, int prio);
#pragma warning restore SYSLIB1054, CA5392
}
