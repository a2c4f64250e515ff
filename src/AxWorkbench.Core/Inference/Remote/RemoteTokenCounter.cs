using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// <see cref="ITokenCounter"/> for a remote model: this node has no vocabulary, so counts are the conservative
/// estimate of <see cref="ModelTokenCounter"/> (one token per UTF-8 byte, never below the real count) and
/// <see cref="IsExact"/> is false; the real counts come back in each response's usage.
/// </summary>
public sealed class RemoteTokenCounter(RemoteInferenceOptions options) : ITokenCounter
{
    public bool IsExact => false;

    public int ContextSize => options.ContextSize;

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ModelTokenCounter.EstimateTokens(text);
    }

    public int CountChatTokens(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return ModelTokenCounter.EstimateChatTokens([.. messages.Select(m => (m.Role.Value, m.Text))]);
    }
}
