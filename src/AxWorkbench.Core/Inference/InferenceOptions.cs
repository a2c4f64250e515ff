using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Inference.Remote;

namespace AxWorkbench.Core.Inference;

/// <summary>Where the model runs: in this process (LLamaSharp), or behind an OpenAI-compatible server.</summary>
public enum InferenceProvider { InProcess, OpenAICompatible }

/// <summary>Settings of the model (configuration section "Inference"): the in-process engine, or a remote server.</summary>
public sealed class InferenceOptions : IValidatableObject
{
    public const string SectionName = "Inference";

    /// <summary>InProcess (default: the GGUF below, loaded here) or OpenAICompatible (<see cref="Remote"/>: vLLM, llama-server, another workbench's /v1).</summary>
    public InferenceProvider Provider { get; set; } = InferenceProvider.InProcess;

    /// <summary>The remote server when <see cref="Provider"/> is OpenAICompatible (section "Inference:Remote").</summary>
    public RemoteInferenceOptions Remote { get; set; } = new();

    /// <summary>Path of the GGUF to load. Null or empty: the fixture model is written (if absent) to <see cref="FixtureDirectory"/> and loaded.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Name shown on the model page.</summary>
    [Required]
    public string DisplayName { get; set; } = "A.X (local)";

    [Required]
    public string FixtureDirectory { get; set; } = "data/models";

    /// <summary>"small" (~0.3M parameters) or "medium" (~4M).</summary>
    [Required, RegularExpression("^(small|medium)$", ErrorMessage = "Inference:FixtureSize must be 'small' or 'medium'.")]
    public string FixtureSize { get; set; } = "small";

    public int FixtureSeed { get; set; } = 42;

    /// <summary>Tokens of context per conversation (the KV cache holds this many for each parallel sequence).</summary>
    [Range(128, 1_048_576, ErrorMessage = "Inference:ContextSize must be between 128 and 1048576 tokens.")]
    public int ContextSize { get; set; } = 2048;

    /// <summary>Layers offloaded to the GPU (0 = CPU only; -1 = all).</summary>
    [Range(-1, 1000, ErrorMessage = "Inference:GpuLayers must be -1 (all) or between 0 and 1000.")]
    public int GpuLayers { get; set; }

    /// <summary>Decode threads; 0 = the number of cores.</summary>
    [Range(0, 512, ErrorMessage = "Inference:Threads must be between 0 (all cores) and 512.")]
    public int Threads { get; set; }

    /// <summary>Logical batch: the most tokens one decode step takes (prompt chunks plus one per generating sequence).</summary>
    [Range(16, 65536, ErrorMessage = "Inference:BatchSize must be between 16 and 65536.")]
    public int BatchSize { get; set; } = 512;

    [Range(16, 65536, ErrorMessage = "Inference:UBatchSize must be between 16 and 65536.")]
    public int UBatchSize { get; set; } = 512;

    /// <summary>Flash attention (default on: measured faster on this CPU for batched decode; quantized KV types need it).</summary>
    public bool FlashAttention { get; set; } = true;

    /// <summary>KV cache element type: f16, q8_0 or q4_0 (quantized types need flash attention on most backends).</summary>
    [Required, RegularExpression("^(f16|q8_0|q4_0)$", ErrorMessage = "Inference:KvCacheType must be 'f16', 'q8_0' or 'q4_0'.")]
    public string KvCacheType { get; set; } = "f16";

    /// <summary>One KV cache shared by all sequences (true) or one per sequence (false, default: cheaper per decode step here).</summary>
    public bool KvUnified { get; set; }

    /// <summary>
    /// Added to the decode threads' nice value on Linux (0 = none; default 5). On a CPU node the model's threads would
    /// otherwise share the cores equally with the web's (pages, retrieval, saving turns): with every slot busy, an
    /// analyst then waits for the model to see a page. At 5 the web's work comes first and decoding takes what is left;
    /// background ingestion (the parser worker, nice 10) still comes after decoding.
    /// </summary>
    [Range(0, 19, ErrorMessage = "Inference:DecodeNice must be between 0 (the process's priority) and 19.")]
    public int DecodeNice { get; set; } = 5;

    /// <summary>Generations decoded together in one batch (continuous batching).</summary>
    [Range(1, 256, ErrorMessage = "Inference:MaxParallelSequences must be between 1 and 256.")]
    public int MaxParallelSequences { get; set; } = 4;

    /// <summary>Requests that may wait for a slot; beyond this the engine answers busy (<see cref="EngineBusyException"/>).</summary>
    [Range(0, 100_000, ErrorMessage = "Inference:MaxQueueLength must be between 0 and 100000.")]
    public int MaxQueueLength { get; set; } = 32;

    /// <summary>Output tokens when a request does not say (ChatOptions.MaxOutputTokens).</summary>
    [Range(1, 1_048_576, ErrorMessage = "Inference:DefaultMaxTokens must be at least 1.")]
    public int DefaultMaxTokens { get; set; } = 512;

    /// <summary>
    /// Shared prompt prefixes (system prompt, template header, a document under discussion) are evaluated once, kept in a
    /// reserved sequence and copied into new requests instead of being re-evaluated. 0 = off; otherwise the fewest
    /// shared tokens worth a copy.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "Inference:PrefixCacheMinTokens must be 0 (off) or a positive token count.")]
    public int PrefixCacheMinTokens { get; set; } = 16;

    /// <summary>
    /// Streamed text is handed to readers at most this often (the first token and the end go at once). Waking every
    /// reader on every token makes reader threads fight the decode threads for the CPU; 0 = every token.
    /// </summary>
    [Range(0, 1000, ErrorMessage = "Inference:StreamFlushIntervalMs must be between 0 and 1000.")]
    public int StreamFlushIntervalMs { get; set; } = 25;

    /// <summary>
    /// Sample with LLamaSharp's native sampler chain (one native candidate array of the whole vocabulary per sequence and
    /// step) instead of the engine's managed sampler over the same logits (default false: same chain, a fraction of the cost).
    /// </summary>
    public bool NativeSampling { get; set; }

    /// <summary>
    /// How llama.cpp's decode threads (OpenMP) wait between decode steps. Passive (default): they sleep at once, so every
    /// step wakes its workers through the kernel; this keeps the engine's speed when other work shares the cores
    /// (ingestion, the embedder, the web's own threads). Brief: they spin about 0.1 ms, then sleep — long enough to catch
    /// the next step, so on cores nothing else uses the engine runs 2-3x the tokens/s of Passive on this project's 2-core
    /// VM; but beside ingestion, with <see cref="DecodeNice"/> 5, it fell to 0.3-0.6 of the bare loop (benchmark --contend;
    /// 1.1-1.6 at DecodeNice 0), so it is for machines that run nothing but the model, with DecodeNice 0. Active: spin
    /// without limit (measured 20-35x slower at load average 25 on 2 cores). Default: whatever OMP_WAIT_POLICY/
    /// GOMP_SPINCOUNT the process was started with (libgomp's own default spins ~3 ms). Takes effect at process start.
    /// </summary>
    public ThreadWaitPolicy ThreadWaitPolicy { get; set; } = ThreadWaitPolicy.Passive;

    /// <summary>A site-built libllama (CUDA build, or a newer llama.cpp that knows more architectures). Takes effect at process start.</summary>
    public string? NativeLibraryPath { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Provider))
        {
            yield return new ValidationResult("Inference:Provider must be 'InProcess' or 'OpenAICompatible'.", [nameof(Provider)]);
        }

        if (Provider == InferenceProvider.OpenAICompatible)
        {
            foreach (var problem in Remote.Validate())
            {
                yield return problem;
            }
        }

        if (UBatchSize > BatchSize)
        {
            yield return new ValidationResult("Inference:UBatchSize must not exceed Inference:BatchSize.", [nameof(UBatchSize)]);
        }

        if (MaxParallelSequences > BatchSize)
        {
            yield return new ValidationResult("Inference:MaxParallelSequences must not exceed Inference:BatchSize.", [nameof(MaxParallelSequences)]);
        }

        if (!string.IsNullOrWhiteSpace(NativeLibraryPath) && !File.Exists(NativeLibraryPath))
        {
            yield return new ValidationResult($"Inference:NativeLibraryPath '{NativeLibraryPath}' does not exist.", [nameof(NativeLibraryPath)]);
        }
    }
}
