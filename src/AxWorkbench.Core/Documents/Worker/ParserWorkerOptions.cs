using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Documents.Worker;

/// <summary>The parser worker process: where it is and the limits the parent enforces on it.</summary>
public sealed class ParserWorkerOptions
{
    public const string SectionName = "Documents:Worker";

    /// <summary>Path of AxWorkbench.ParserWorker.dll (or its executable); by default it is found next to the running app.</summary>
    public string? Path { get; set; }

    /// <summary>Wall-clock limit for one file; past it the worker is killed and the file refused.</summary>
    [Range(1, 3600, ErrorMessage = "Documents:Worker:TimeoutSeconds must be between 1 and 3600.")]
    public int TimeoutSeconds { get; set; } = 8;

    /// <summary>The worker's managed heap limit (DOTNET_GCHeapHardLimit), in MB.</summary>
    [Range(64, 65536, ErrorMessage = "Documents:Worker:HeapLimitMegabytes must be between 64 and 65536.")]
    public int HeapLimitMegabytes { get; set; } = 1024;

    /// <summary>Tests only: lets the worker obey crash/hang commands.</summary>
    public bool EnableTestCommands { get; set; }
}
