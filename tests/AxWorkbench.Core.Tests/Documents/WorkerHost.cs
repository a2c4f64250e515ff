using AxWorkbench.Core.Documents.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>A real parser worker process for tests, with test commands (crash, hang) enabled.</summary>
public static class WorkerHost
{
    public static ParserWorkerClient Start(int timeoutSeconds = 8, int heapLimitMegabytes = 1024) =>
        Start(new ParserWorkerOptions { TimeoutSeconds = timeoutSeconds, HeapLimitMegabytes = heapLimitMegabytes });

    /// <summary>A client over <paramref name="options"/> (test commands on); the client reads them at each file, so a test may change the limits between files.</summary>
    public static ParserWorkerClient Start(ParserWorkerOptions options)
    {
        options.EnableTestCommands = true;
        return new(Options.Create(options), NullLogger<ParserWorkerClient>.Instance);
    }

    /// <summary>Writes bytes to a temporary file the worker can read; deleted by the caller's folder cleanup.</summary>
    public static string WriteTemp(byte[] content, string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "axwb-docs-tests");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + "-" + name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
