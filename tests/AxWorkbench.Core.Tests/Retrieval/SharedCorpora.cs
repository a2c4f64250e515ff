namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>Finds ../shared/corpora (beside the repository) from the test's output folder.</summary>
internal static class SharedCorpora
{
    /// <summary>The corpus folder, or null when it is absent (tests then say so and pass trivially).</summary>
    public static string? Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "corpora", name), Path.Combine(dir.FullName, "..", "shared", "corpora", name) })
            {
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }
}
