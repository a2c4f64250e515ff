using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Conversations;

/// <summary>Settings of the chat workspace (configuration section "Conversations").</summary>
public sealed class ConversationOptions : IValidatableObject
{
    public const string SectionName = "Conversations";

    [Range(1, 64, ErrorMessage = "Conversations:MaxConcurrentGenerationsPerUser must be between 1 and 64.")]
    public int MaxConcurrentGenerationsPerUser { get; set; } = 2;

    /// <summary>Prompts (sent, edited or regenerated) one user may start per minute on a node; 0 = no limit.</summary>
    [Range(0, 10_000, ErrorMessage = "Conversations:MaxPromptsPerMinute must be between 0 and 10000.")]
    public int MaxPromptsPerMinute { get; set; } = 20;

    [Range(1, 1_000_000, ErrorMessage = "Conversations:MaxPromptCharacters must be between 1 and 1000000.")]
    public int MaxPromptCharacters { get; set; } = 8000;

    /// <summary>A growing answer is written to the database at least this often.</summary>
    [Range(50, 10_000, ErrorMessage = "Conversations:FlushIntervalMs must be between 50 and 10000.")]
    public int FlushIntervalMs { get; set; } = 1000;

    /// <summary>... and after at most this many streamed pieces (each piece is one or more tokens).</summary>
    [Range(1, 10_000, ErrorMessage = "Conversations:FlushEveryPieces must be between 1 and 10000.")]
    public int FlushEveryPieces { get; set; } = 32;

    [Range(0.0, 5.0, ErrorMessage = "Conversations:DefaultTemperature must be between 0 and 5.")]
    public float DefaultTemperature { get; set; } = 0.7f;

    [Range(0.0, 1.0, ErrorMessage = "Conversations:DefaultTopP must be between 0 and 1.")]
    public float DefaultTopP { get; set; } = 0.9f;

    [Range(1, 1_048_576, ErrorMessage = "Conversations:DefaultMaxTokens must be at least 1.")]
    public int DefaultMaxTokens { get; set; } = 256;

    /// <summary>
    /// How long an answer in progress stays its node's without a heartbeat (seconds). When the node dies, another node
    /// marks the answer interrupted once this has passed (plus at most one <see cref="GenerationHeartbeatSeconds"/>, the
    /// sweep interval).
    /// </summary>
    [Range(1.0, 3600.0, ErrorMessage = "Conversations:GenerationLeaseSeconds must be between 1 and 3600.")]
    public double GenerationLeaseSeconds { get; set; } = 10;

    /// <summary>How often a node extends the leases of the answers it streams, and sweeps expired ones (seconds).</summary>
    [Range(0.1, 1200.0, ErrorMessage = "Conversations:GenerationHeartbeatSeconds must be between 0.1 and 1200.")]
    public double GenerationHeartbeatSeconds { get; set; } = 3;

    public TimeSpan GenerationLease => TimeSpan.FromSeconds(GenerationLeaseSeconds);

    public TimeSpan GenerationHeartbeat => TimeSpan.FromSeconds(GenerationHeartbeatSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GenerationHeartbeatSeconds * 2 > GenerationLeaseSeconds)
        {
            yield return new ValidationResult(
                $"Conversations:GenerationHeartbeatSeconds ({GenerationHeartbeatSeconds}) must be at most half of Conversations:GenerationLeaseSeconds ({GenerationLeaseSeconds}), so one late heartbeat does not lose a live answer.",
                [nameof(GenerationHeartbeatSeconds)]);
        }
    }
}
