using System.Runtime.InteropServices;

namespace AxWorkbench.Core.Inference;

/// <summary>How llama.cpp's OpenMP decode threads wait for work (<see cref="InferenceOptions.ThreadWaitPolicy"/>).</summary>
public enum ThreadWaitPolicy
{
    /// <summary>Sleep at once (OMP_WAIT_POLICY=PASSIVE): every decode step wakes its workers through the kernel.</summary>
    Passive,

    /// <summary>Spin without limit (OMP_WAIT_POLICY=ACTIVE).</summary>
    Active,

    /// <summary>Whatever OMP_WAIT_POLICY/GOMP_SPINCOUNT the process was started with (libgomp's default: a ~3 ms spin).</summary>
    Default,

    /// <summary>
    /// Spin briefly, then sleep (GOMP_SPINCOUNT=<see cref="NativeThreading.BriefSpinCount"/>, about 0.1 ms by libgomp's
    /// estimate): long enough to catch the next decode step (the engine's gap between steps is tens of µs), short
    /// enough that an idle or preempted engine gives its cores back almost at once.
    /// </summary>
    Brief,
}

/// <summary>
/// Sets the OpenMP runtime's wait policy in the process environment before the native library loads (libgomp reads
/// OMP_WAIT_POLICY and GOMP_SPINCOUNT once, at load). .NET's Environment.SetEnvironmentVariable does not reach the C
/// environment on Unix, so libc's setenv is called. A variable the operator already set is left alone.
/// </summary>
internal static class NativeThreading
{
    private delegate int SetEnv(string name, string value, int overwrite);

    /// <summary>libgomp's spin iterations before a waiting thread sleeps under <see cref="ThreadWaitPolicy.Brief"/>.</summary>
    public const int BriefSpinCount = 10_000;

    /// <summary>The environment variable a policy sets for libgomp; null for <see cref="ThreadWaitPolicy.Default"/>.</summary>
    public static (string Name, string Value)? VariableFor(ThreadWaitPolicy policy) => policy switch
    {
        ThreadWaitPolicy.Brief => ("GOMP_SPINCOUNT", BriefSpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ThreadWaitPolicy.Passive => ("OMP_WAIT_POLICY", "PASSIVE"),
        ThreadWaitPolicy.Active => ("OMP_WAIT_POLICY", "ACTIVE"),
        _ => null,
    };

    public static void Apply(ThreadWaitPolicy policy)
    {
        if (OperatingSystem.IsWindows() || VariableFor(policy) is not var (name, value))
        {
            return;
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT")))
        {
            return; // the operator's choice wins
        }

        if (!NativeLibrary.TryLoad(OperatingSystem.IsMacOS() ? "libc.dylib" : "libc.so.6", out var libc))
        {
            return;
        }

        try
        {
            if (NativeLibrary.TryGetExport(libc, "setenv", out var setenv))
            {
                Marshal.GetDelegateForFunctionPointer<SetEnv>(setenv)(name, value, 0);
                Environment.SetEnvironmentVariable(name, value); // child processes (the benchmark's anchors) see it too
            }
        }
        finally
        {
            NativeLibrary.Free(libc);
        }
    }
}
