using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// <see cref="IChatClient"/> over the in-process engine. Applies the GGUF's chat template, fills usage and finish reason.
/// Per-request settings: <see cref="ChatOptions.MaxOutputTokens"/>, Temperature, TopP, Seed, StopSequences, and who asks
/// and how urgently through <see cref="InferenceChatOptions.ForUser"/> and <see cref="InferenceChatOptions.WithPriority"/>.
/// While a streaming request waits for a slot, it yields <see cref="InferenceChatOptions.QueueUpdate"/> updates (read
/// them with <see cref="InferenceChatOptions.GetQueuePosition"/>) before the first token.
/// </summary>
public sealed class LocalChatClient(InferenceEngine engine) : IChatClient
{

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (stream, modelId) = Start(messages, options, cancellationToken);
        using (stream)
        {
            var text = new System.Text.StringBuilder();
            CompletedEvent? done = null;
            await foreach (var e in stream.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (e)
                {
                    case TextEvent t: text.Append(t.Text); break;
                    case CompletedEvent c: done = c; break;
                }
            }

            var id = "ax-" + stream.Id;
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, TrimLeading(text.ToString())) { MessageId = id })
            {
                ResponseId = id,
                ModelId = modelId,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = ToFinishReason(done?.Finish),
                Usage = Usage(done, stream.PromptTokens),
            };
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (stream, modelId) = Start(messages, options, cancellationToken);
        using (stream)
        {
            var id = "ax-" + stream.Id;
            var started = false;
            await foreach (var e in stream.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (e)
                {
                    case QueuePositionEvent q:
                        var waiting = InferenceChatOptions.QueueUpdate(q.Position);
                        waiting.ResponseId = id;
                        waiting.ModelId = modelId;
                        yield return waiting;
                        break;
                    case TextEvent t when t.Text.Length > 0:
                        var piece = started ? t.Text : TrimLeading(t.Text);
                        if (piece.Length == 0)
                        {
                            break;
                        }

                        started = true;
                        yield return new ChatResponseUpdate(ChatRole.Assistant, piece)
                        {
                            ResponseId = id,
                            MessageId = id,
                            ModelId = modelId,
                            CreatedAt = DateTimeOffset.UtcNow,
                        };
                        break;
                    case CompletedEvent c:
                        yield return new ChatResponseUpdate
                        {
                            Role = ChatRole.Assistant,
                            ResponseId = id,
                            MessageId = id,
                            ModelId = modelId,
                            FinishReason = ToFinishReason(c.Finish),
                            Contents = [new UsageContent(Usage(c, stream.PromptTokens))],
                        };
                        break;
                }
            }
        }
    }

    private (GenerationStream Stream, string ModelId) Start(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = engine.ApplyChatTemplate(messages.Select(m => (m.Role.Value, m.Text)));
        var priority = options.GetPriority();
        var user = options.GetUserId() ?? "anonymous";
        var request = new GenerationRequest
        {
            Prompt = prompt,
            MaxTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature ?? 0.8f,
            TopP = options?.TopP ?? 0.95f,
            Seed = options?.Seed,
            StopSequences = options?.StopSequences is { } stops ? [.. stops] : [],
            UserId = user,
            Priority = priority,
        };
        return (engine.Submit(request, cancellationToken), engine.Info?.FileName ?? "local");
    }

    private static string TrimLeading(string text) => text.TrimStart(' ');

    private static ChatFinishReason? ToFinishReason(GenerationFinish? finish) => finish switch
    {
        GenerationFinish.EndOfText or GenerationFinish.StopSequence => ChatFinishReason.Stop,
        GenerationFinish.Length => ChatFinishReason.Length,
        GenerationFinish.Cancelled => new ChatFinishReason("cancelled"),
        _ => null,
    };

    private static UsageDetails Usage(CompletedEvent? done, int promptTokens) => new()
    {
        InputTokenCount = promptTokens,
        OutputTokenCount = done?.CompletionTokens ?? 0,
        TotalTokenCount = promptTokens + (done?.CompletionTokens ?? 0),
    };

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("AxWorkbench.LocalLlama", null, engine.ModelFileName)
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(engine) ? engine
        : null;

    public void Dispose()
    {
        // The engine is a DI singleton; it is disposed by the container.
    }
}
