using System.Runtime.CompilerServices;
using AxWorkbench.Core.Inference;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>
/// A site-built libllama (tools/build-libllama.sh) through Inference:NativeLibraryPath. With AXWB_NATIVE_LIBLLAMA set to
/// one, the shared model fixture loads through it, so every Inference test of the run exercises that library, and this
/// test checks that it really is the one loaded and that it generates. Without the variable it says SKIPPED by name
/// (the library is built per site; the bundled one is tested by every other test).
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class SiteBuiltLibraryTests(ModelFixture fixture, ITestOutputHelper output)
{
    /// <summary>The site-built libllama the tests load, from AXWB_NATIVE_LIBLLAMA; null for the bundled one.</summary>
    public static string? Path { get; } = Environment.GetEnvironmentVariable("AXWB_NATIVE_LIBLLAMA") is { Length: > 0 } p ? p : null;

    /// <summary>The path with every link resolved, folders included (tools/build-libllama.sh's bin/ is a link to build/bin/).</summary>
    private static string RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? System.IO.Path.GetFullPath(path);
        }

        var resolved = realpath(path, IntPtr.Zero);
        Assert.True(resolved != IntPtr.Zero, $"realpath('{path}') failed");
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            free(resolved);
        }
    }

#pragma warning disable SYSLIB1054, CA5392 // blittable arguments; see ThreadNice
    [System.Runtime.InteropServices.DllImport("libc", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
    private static extern IntPtr realpath(string path, IntPtr resolved);

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern void free(IntPtr pointer);
#pragma warning restore SYSLIB1054, CA5392

    [Fact]
    public async Task SiteBuiltLibrary_LoadsTheFixture_AndGenerates()
    {
        if (Path is null)
        {
            var message = $"SKIPPED {nameof(SiteBuiltLibrary_LoadsTheFixture_AndGenerates)}: AXWB_NATIVE_LIBLLAMA is not set, so no site-built libllama was checked (tools/build-libllama.sh builds one).";
            output.WriteLine(message);
            await Console.Error.WriteLineAsync(message);
            return;
        }

        Assert.True(File.Exists(Path), $"AXWB_NATIVE_LIBLLAMA '{Path}' does not exist.");
        Assert.Equal(ModelState.Ready, fixture.Engine.State);
        Assert.Equal(RealPath(Path), RealPath(fixture.Engine.Info!.Backend!)); // libllama.so is usually a link to libllama.so.0.0.1

        foreach (var temperature in new[] { 0f, 0.8f })
        {
            var stream = fixture.Engine.Submit(new GenerationRequest { Prompt = "hello analysis report", MaxTokens = 24, Seed = 11, Temperature = temperature });
            var text = new System.Text.StringBuilder();
            CompletedEvent? done = null;
            await foreach (var e in stream.Events.ReadAllAsync())
            {
                switch (e)
                {
                    case TextEvent t: text.Append(t.Text); break;
                    case CompletedEvent c: done = c; break;
                }
            }

            Assert.NotNull(done);
            Assert.Equal(24, done.CompletionTokens);
            Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
            output.WriteLine($"temperature {temperature}: {text}");
        }
    }
}

/// <summary>
/// Loads the site-built libllama (AXWB_NATIVE_LIBLLAMA) when the test assembly loads, before any test — many create
/// their own engines with default options, and the first to touch llama.cpp fixes the library for the process.
/// </summary>
internal static class SiteBuiltLibraryInitializer
{
#pragma warning disable CA2255 // a test assembly, not a library: the process-wide native library must be chosen before any test runs
    [ModuleInitializer]
    internal static void LoadSiteBuiltLibrary()
    {
        if (SiteBuiltLibraryTests.Path is { } path && File.Exists(path))
        {
            LlamaNative.EnsureInitialized(path);
        }
    }
#pragma warning restore CA2255
}
