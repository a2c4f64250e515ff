namespace AxWorkbench.Core.Inference;

public enum ModelState { NotLoaded, Loading, Ready, Failed }

/// <summary>What was loaded, for the model page and /healthz.</summary>
public sealed record ModelInfo
{
    public required string DisplayName { get; init; }
    public required string Path { get; init; }
    public required string FileName { get; init; }
    public required long SizeBytes { get; init; }
    public string? Sha256 { get; init; }
    public required string Architecture { get; init; }
    public required ulong ParameterCount { get; init; }
    /// <summary>File type / quantization, e.g. "MOSTLY_F16" or "MOSTLY_Q4_K_M".</summary>
    public required string FileType { get; init; }
    /// <summary>Context length the model was trained for.</summary>
    public required int TrainedContextLength { get; init; }
    /// <summary>Context per conversation actually allocated.</summary>
    public required int ContextLength { get; init; }
    public required int VocabularySize { get; init; }
    public string? ChatTemplate { get; init; }
    /// <summary>Path of the native libllama that actually loaded.</summary>
    public string? Backend { get; init; }
    public required IReadOnlyList<string> Devices { get; init; }
    public required int LayerCount { get; init; }
    public required string LayersOffloaded { get; init; }
    public required string KvCacheType { get; init; }
    public required int MaxParallelSequences { get; init; }
    public required int Threads { get; init; }
    /// <summary>True for the random-weights fixture: every page showing its output must say it is random text.</summary>
    public required bool IsFixture { get; init; }
}

/// <summary>A snapshot of the engine's live figures.</summary>
public sealed record EngineMetrics(
    int QueueDepth,
    int ActiveSequences,
    double TokensPerSecond,
    double TtftP50Ms,
    double TtftP95Ms,
    long TotalTokens,
    long RejectedBusy,
    long CompletedRequests,
    long Steps)
{
    public static readonly EngineMetrics Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>What /healthz and the model page read (singleton).</summary>
public interface IModelStatus
{
    ModelState State { get; }

    /// <summary>The named reason when <see cref="State"/> is Failed (validation verdict or captured llama.cpp log line).</summary>
    string? Error { get; }

    ModelInfo? Info { get; }

    EngineMetrics Metrics { get; }

    /// <summary>0..1 while loading.</summary>
    double LoadProgress { get; }
}
