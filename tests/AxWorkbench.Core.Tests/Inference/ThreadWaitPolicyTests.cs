using System.Runtime.InteropServices;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.Configuration;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>
/// Inference:ThreadWaitPolicy reaches libgomp as an environment variable set before the native library loads: the
/// mapping of each policy, the setting's binding from configuration, and that what the process set is visible to C code
/// (libc's getenv, which is what libgomp reads), not only to .NET.
/// </summary>
public sealed class ThreadWaitPolicyTests
{
    [Theory]
    [InlineData(ThreadWaitPolicy.Passive, "OMP_WAIT_POLICY", "PASSIVE")]
    [InlineData(ThreadWaitPolicy.Active, "OMP_WAIT_POLICY", "ACTIVE")]
    [InlineData(ThreadWaitPolicy.Brief, "GOMP_SPINCOUNT", "10000")]
    public void EachPolicy_SetsItsLibgompVariable(ThreadWaitPolicy policy, string name, string value)
    {
        Assert.Equal((name, value), NativeThreading.VariableFor(policy));
    }

    [Fact]
    public void Default_LeavesTheEnvironmentAlone()
    {
        Assert.Null(NativeThreading.VariableFor(ThreadWaitPolicy.Default));
    }

    [Fact]
    public void Passive_IsTheDefault_AndBriefBindsFromConfiguration()
    {
        Assert.Equal(ThreadWaitPolicy.Passive, new InferenceOptions().ThreadWaitPolicy);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Inference:ThreadWaitPolicy"] = "Brief" }).Build();
        Assert.Equal(ThreadWaitPolicy.Brief, configuration.GetSection("Inference").Get<InferenceOptions>()!.ThreadWaitPolicy);
    }

    [Fact]
    public void TheAppliedVariable_IsVisibleToNativeCode()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // setenv is the Linux path; Windows keeps libgomp's own default
        }

        // The test host may have applied a policy already (the model fixture); whichever variable is set, C must see
        // what .NET sees — Environment.SetEnvironmentVariable alone would leave getenv empty.
        NativeThreading.Apply(ThreadWaitPolicy.Passive);
        var name = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { Length: > 0 } ? "GOMP_SPINCOUNT" : "OMP_WAIT_POLICY";
        var expected = Environment.GetEnvironmentVariable(name);
        Assert.False(string.IsNullOrEmpty(expected));
        Assert.Equal(expected, Marshal.PtrToStringUTF8(getenv(name)));
    }

#pragma warning disable SYSLIB1054, CA5392 // blittable arguments; see ThreadNice
    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern IntPtr getenv(string name);
#pragma warning restore SYSLIB1054, CA5392
}
