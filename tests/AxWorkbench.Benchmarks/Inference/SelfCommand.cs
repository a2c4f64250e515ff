namespace AxWorkbench.Benchmarks.Inference;

/// <summary>
/// How this benchmark starts itself as a child process with another first word. Under <c>dotnet run</c> the process is
/// the apphost (its arguments start with the first word); under <c>dotnet AxWorkbench.Benchmarks.dll</c> it is the muxer,
/// which needs the assembly first. Passing the assembly to the apphost made it the first word: the child then ran the
/// inference benchmark itself (and, with no --native-bin, started building llama.cpp).
/// </summary>
internal static class SelfCommand
{
    public static string FileName => Environment.ProcessPath ?? "dotnet";

    public static IReadOnlyList<string> Prefix =>
        string.Equals(Path.GetFileNameWithoutExtension(FileName), "dotnet", StringComparison.OrdinalIgnoreCase)
            ? [typeof(SelfCommand).Assembly.Location]
            : [];
}
