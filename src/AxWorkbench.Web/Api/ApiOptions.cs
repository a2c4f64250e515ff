using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Web.Api;

/// <summary>The workbench's own OpenAI-compatible endpoint, <c>/v1</c> (section "Api"; off by default).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Serve <c>/v1</c> to callers with an API key (`keys add`). Off: <c>/v1</c> answers 404 with the reason.</summary>
    public bool Enabled { get; set; }

    /// <summary>Requests per minute per key, unless the key says otherwise (`keys add --requests-per-minute`).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Api:RequestsPerMinute must be at least 1.")]
    public int RequestsPerMinute { get; set; } = 60;

    /// <summary>The most output tokens one request gets, unless the key says less; a larger max_tokens is clamped.</summary>
    [Range(1, 1_048_576, ErrorMessage = "Api:MaxTokens must be at least 1.")]
    public int MaxTokens { get; set; } = 1024;

    /// <summary>Output tokens when a request does not say.</summary>
    [Range(1, 1_048_576, ErrorMessage = "Api:DefaultMaxTokens must be at least 1.")]
    public int DefaultMaxTokens { get; set; } = 256;

    /// <summary>Largest request body; a larger one is refused with 413.</summary>
    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "Api:MaxRequestBytes must be between 1024 and 67108864.")]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Streaming: text that arrives within this many milliseconds of the last event sent joins the next event instead of
    /// going out alone (one event, one write, one flush). A model slower than this (any real model on a site: 20–50 ms a
    /// token) gets every token as its own event; the first piece is never held. 0 (default): pieces already made when
    /// the stream is written share an event, others go at once — no timers (a 5 ms window measured no better on the
    /// 2-core fixture benchmark: its timer per piece costs about what the flushes it saves do).
    /// </summary>
    [Range(0, 1000, ErrorMessage = "Api:StreamCoalesceMs must be between 0 and 1000.")]
    public int StreamCoalesceMs { get; set; }

    /// <summary>Most inputs in one embeddings request.</summary>
    [Range(1, 10_000, ErrorMessage = "Api:MaxEmbeddingInputs must be between 1 and 10000.")]
    public int MaxEmbeddingInputs { get; set; } = 256;
}
