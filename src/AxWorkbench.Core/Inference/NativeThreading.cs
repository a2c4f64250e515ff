using System.Runtime.InteropServices;

namespace AxWorkbench.Core.Inference;

/// <summary>How llama.cpp's OpenMP decode threads wait for work (<see cref="InferenceOptions.ThreadWaitPolicy"/>).</summary>
public enum ThreadWaitPolicy { Passive, Active, Default }

/// <summary>
/// Sets the OpenMP runtime's wait policy in the process environment before the native library loads (libgomp reads
/// OMP_WAIT_POLICY once, at load). .NET's Environment.SetEnvironmentVariable does not reach the C environment on Unix,
/// so libc's setenv is called. A variable the operator already set is left alone.
/// </summary>
internal static class NativeThreading
{
    private delegate int SetEnv(string name, string value, int overwrite);

    public static string? Applied { get; private set; }

    public static void Apply(ThreadWaitPolicy policy)
    {
        if (policy == ThreadWaitPolicy.Default || OperatingSystem.IsWindows())
        {
            return;
        }

        var value = policy == ThreadWaitPolicy.Passive ? "PASSIVE" : "ACTIVE";
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
                Marshal.GetDelegateForFunctionPointer<SetEnv>(setenv)("OMP_WAIT_POLICY", value, 0);
                Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", value); // child processes (the benchmark's anchors) see it too
                Applied = value;
            }
        }
        finally
        {
            NativeLibrary.Free(libc);
        }
    }
}
