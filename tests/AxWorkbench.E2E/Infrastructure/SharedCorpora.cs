namespace AxWorkbench.E2E.Infrastructure;

/// <summary>
/// The shared real test material: ../shared/corpora beside the repository root (where CI puts it), or AXWB_CORPORA.
/// A user's clone has none, so tests that read it say SKIPPED by name when <see cref="Find"/> answers null.
/// </summary>
public static class SharedCorpora
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    /// <summary>The full path of a file or folder under the corpora, or null when the corpora or that entry are absent.</summary>
    public static string? Find(string relativePath)
    {
        if (Root.Value is not { } root)
        {
            return null;
        }
        var path = Path.GetFullPath(Path.Combine(root, relativePath));
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    private static string? FindRoot()
    {
        if (Environment.GetEnvironmentVariable("AXWB_CORPORA") is { Length: > 0 } configured && Directory.Exists(configured))
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AxWorkbench.sln")))
            {
                var corpora = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpora"));
                return Directory.Exists(corpora) ? corpora : null;
            }
        }
        return null;
    }
}
