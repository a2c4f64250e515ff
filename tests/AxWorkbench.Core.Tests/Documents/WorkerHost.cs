using AxWorkbench.Core.Documents.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>A real parser worker process for tests, with test commands (crash, hang) enabled.</summary>
public static class WorkerHost
{
    /// <summary>
    /// A client whose wall-clock limit is generous by default (60 s, the product's is 8 s): these tests are about what a
    /// file yields, and on a loaded 2-core machine one page (or a fresh worker's first answer) has overrun 8 s. A test
    /// about the limit sets its own.
    /// </summary>
    public static ParserWorkerClient Start(int timeoutSeconds = 60, int heapLimitMegabytes = 1024) =>
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
