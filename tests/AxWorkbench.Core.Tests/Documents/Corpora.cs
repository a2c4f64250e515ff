using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// The shared real test material (../shared/corpora from the repository root, or AXWB_CORPORA). xunit 2.9 has no
/// dynamic skip, so a test that needs a missing folder passes trivially and says so by name and reason.
/// </summary>
public static class Corpora
{
    public static string Root { get; } = Environment.GetEnvironmentVariable("AXWB_CORPORA") is { Length: > 0 } configured
        ? configured
        : Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "corpora"));

    /// <summary>The folder, or null after writing why the test does nothing (only when the folder is absent).</summary>
    public static string? Folder(string relative, ITestOutputHelper output, string testName)
    {
        ArgumentNullException.ThrowIfNull(output);
        var path = Path.Combine(Root, relative);
        if (Directory.Exists(path))
        {
            return path;
        }
        var message = $"SKIPPED {testName}: corpus folder '{path}' is absent, so this test checked nothing (set AXWB_CORPORA to run it).";
        output.WriteLine(message);
        Console.Error.WriteLine(message);
        return null;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AxWorkbench.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
