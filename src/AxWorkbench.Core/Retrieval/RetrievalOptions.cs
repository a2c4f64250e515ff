using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Retrieval;

/// <summary>Retrieval settings (section "Retrieval").</summary>
public sealed class RetrievalOptions
{
    public const string SectionName = "Retrieval";

    /// <summary>Folder of the BM25 index; relative paths are relative to Data:DataDirectory. Rebuilt from the database when missing or damaged.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Retrieval:IndexDirectory must name a folder (default 'retrieval-index').")]
    public string IndexDirectory { get; set; } = "retrieval-index";

    /// <summary>Chunk size in words (MiniLM reads ~256 word pieces: keep near 200).</summary>
    [Range(20, 2000, ErrorMessage = "Retrieval:ChunkWords must be between 20 and 2000.")]
    public int ChunkWords { get; set; } = 200;

    /// <summary>Words of overlap between consecutive windows of a long paragraph.</summary>
    [Range(0, 500, ErrorMessage = "Retrieval:OverlapWords must be between 0 and 500 and less than Retrieval:ChunkWords.")]
    public int OverlapWords { get; set; } = 40;

    /// <summary>"MiniLm" (default, English only), "Gguf" (a GGUF embedding model through LLamaSharp, e.g. a multilingual
    /// bge-m3; set <see cref="EmbeddingModelPath"/> and <see cref="EmbeddingLanguages"/>), "Remote" (an OpenAI-compatible
    /// embeddings endpoint, e.g. an inference node's /v1; set <see cref="RemoteEmbeddings"/>) or "None" (BM25 only).</summary>
    [RegularExpression("^(MiniLm|Gguf|Remote|None)$", ErrorMessage = "Retrieval:Embedder must be 'MiniLm', 'Gguf', 'Remote' or 'None'.")]
    public string Embedder { get; set; } = "MiniLm";

    /// <summary>With Embedder "Remote": the embeddings endpoint, model, key file, vector length and languages.</summary>
    public Inference.Remote.RemoteEmbeddingOptions RemoteEmbeddings { get; set; } = new();

    /// <summary>With Embedder "Gguf": the GGUF embedding model's path.</summary>
    public string? EmbeddingModelPath { get; set; }

    /// <summary>With Embedder "Gguf": the languages the model reads, comma separated ("en,ko" for a multilingual model).
    /// Vectors take part in ranking only for text and queries in these languages.</summary>
    [RegularExpression("^(en|ko)(,(en|ko))*$", ErrorMessage = "Retrieval:EmbeddingLanguages must be 'en', 'ko' or 'en,ko'.")]
    public string EmbeddingLanguages { get; set; } = "en,ko";

    /// <summary>Hybrid search: BM25's share of the fused score (vectors get the rest), each side min-max normalized per query.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Retrieval:FusionBm25Weight must be between 0 and 1.")]
    public double FusionBm25Weight { get; set; } = FusionSettings.DefaultBm25Weight;

    /// <summary>Hybrid search: BM25's top hit stays first when its score leads BM25's second by this fraction of it (1: only a lone hit).</summary>
    [Range(0.0, 1.0, ErrorMessage = "Retrieval:FusionPinMargin must be between 0 and 1.")]
    public double FusionPinMargin { get; set; } = FusionSettings.DefaultPinMargin;

    internal FusionSettings FusionSettings => new(FusionBm25Weight, FusionPinMargin);

    /// <summary>Chunks per embedder call (MiniLM: per ONNX Runtime call, inputs of similar length together). MiniLM's default, 1, keeps
    /// int8 vectors independent of their batch mates and measured fastest on 2 cores; a GGUF embedder may prefer more.</summary>
    [Range(1, 512, ErrorMessage = "Retrieval:EmbeddingBatchSize must be between 1 and 512.")]
    public int EmbeddingBatchSize { get; set; } = 1;

    /// <summary>MiniLM: cores an embedding call uses (that many chunks embedded at once, one per core); 0 (default) is half the cores, at least one, so embedding leaves room for searches and the model.</summary>
    [Range(0, 256, ErrorMessage = "Retrieval:EmbeddingThreads must be between 0 (half the cores) and 256.")]
    public int EmbeddingThreads { get; set; }

    /// <summary>MiniLM: weights quantized to int8 at load (default; ~0.99 cosine to the float model, several times faster on CPUs with VNNI).
    /// false runs the float model. Changing it re-embeds every chunk at the next start.</summary>
    public bool EmbeddingInt8 { get; set; } = true;

    /// <summary>MiniLM: word pieces embedded per chunk (the rest of a longer chunk is found by BM25 alone). 256 (default) is the
    /// model's training length; 128 embeds about twice as fast at a recall cost (see the retrieval benchmark's results).
    /// Changing it re-embeds every chunk at the next start.</summary>
    [Range(16, 512, ErrorMessage = "Retrieval:EmbeddingMaxTokens must be between 16 and 512.")]
    public int EmbeddingMaxTokens { get; set; } = MiniLmEmbeddingGenerator.TrainedTokens;
}
