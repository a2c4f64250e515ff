using System.Globalization;
using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>
/// The decode threads run below the web's priority (Inference:DecodeNice, default 5), llama.cpp's own worker threads
/// included: they are made from the loop's thread and inherit its nice value (checked in /proc, Linux).
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class DecodePriorityTests(ModelFixture fixture)
{
    [Fact]
    public async Task TheLoopAndLlamaCppsWorkers_RunAtTheProcessNicePlusDecodeNice()
    {
        Assert.True(OperatingSystem.IsLinux(), "the workbench's CPU nodes run Linux; this test reads /proc");
        Assert.Equal(5, new InferenceOptions().DecodeNice);
        var processNice = NiceOf(Environment.ProcessId); // the main thread's: every other thread but the loop's keeps it
        var expected = Math.Min(19, processNice + fixture.Options.DecodeNice);
        Assert.Equal(expected, fixture.Engine.DecodeNiceValue);

        // While a generation decodes, the loop's thread and llama.cpp's workers (Threads = 2: one worker beside the
        // caller) are at that value, and the threads serving everything else are not.
        var stream = fixture.Engine.Submit(new GenerationRequest { Prompt = "report on the border activity", MaxTokens = 48, UserId = "nice", Seed = 3 });
        var done = FixtureModelTests.Collect(stream);
        var lowered = new HashSet<string>(StringComparer.Ordinal);
        var others = 0;
        while (!done.IsCompleted)
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                var tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
                try
                {
                    if (NiceOf(tid, task) == expected)
                    {
                        lowered.Add(tid.ToString(CultureInfo.InvariantCulture) + " " + File.ReadAllText(Path.Combine(task, "comm")).Trim());
                    }
                    else
                    {
                        others++;
                    }
                }
                catch (IOException)
                {
                    // the thread ended meanwhile
                }
            }

            await Task.Delay(5);
        }

        await done;
        Assert.Contains(lowered, t => t.EndsWith("ax-inference-lo", StringComparison.Ordinal)); // comm keeps 15 characters
        Assert.True(lowered.Count >= 2, $"only the loop's thread was lowered; llama.cpp's workers were not: {string.Join(", ", lowered)}");
        Assert.True(others > 0);
    }

    /// <summary>A task's nice value: field 19 of /proc/.../stat (the fields after the command name's closing parenthesis start at 3).</summary>
    private static int NiceOf(int pid, string? taskDirectory = null)
    {
        var stat = File.ReadAllText(Path.Combine(taskDirectory ?? $"/proc/{pid}", "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], CultureInfo.InvariantCulture);
    }
}
