using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The one way the rest of the workbench measures text against the serving model: prompt budgets (grounded
/// context, chat history, summary steps) are counted here, never estimated elsewhere.
/// </summary>
public interface ITokenCounter
{
    /// <summary>True when counts come from the loaded model's own tokenizer; false for a conservative estimate
    /// (no model loaded yet, or a remote model whose server reports real usage afterwards).</summary>
    bool IsExact { get; }

    /// <summary>The context (in tokens) one conversation may use.</summary>
    int ContextSize { get; }

    /// <summary>Tokens of <paramref name="text"/> as the model would see it (no special tokens added).</summary>
    int CountTokens(string text);

    /// <summary>Tokens of a whole chat prompt, the chat template's framing and the assistant's opening included.</summary>
    int CountChatTokens(IEnumerable<ChatMessage> messages);
}
