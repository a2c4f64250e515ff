using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// <see cref="ITokenCounter"/> over the engine. With a model loaded, counts are exact: the model's own tokenizer, and
/// for chats the model's own chat template (the same formatting <see cref="LocalChatClient"/> sends). Without one
/// (still loading, failed, switching), counts are a conservative over-estimate: one token per UTF-8 byte, plus one
/// (a SentencePiece tokenizer may add a word-boundary space). No token can cover less than one byte of text, so the
/// estimate is never below the real count; chats are estimated on their ChatML rendering plus a margin per message for
/// templates wordier than ChatML. Korean (3 bytes a syllable) is over-estimated most, which is the safe side for budgets.
/// </summary>
public sealed class ModelTokenCounter(InferenceEngine engine, IOptions<InferenceOptions> options) : ITokenCounter
{
    /// <summary>Tokens allowed per message for a chat template's framing beyond ChatML's, in the estimate.</summary>
    internal const int EstimatedFramingPerMessage = 8;

    public bool IsExact => engine.State == ModelState.Ready;

    public int ContextSize => engine.Info?.ContextLength ?? options.Value.ContextSize;

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsExact)
        {
            try
            {
                return engine.CountTextTokens(text);
            }
            catch (ModelUnavailableException)
            {
                // switched or unloaded in between: estimate
            }
        }

        return EstimateTokens(text);
    }

    public int CountChatTokens(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = messages.Select(m => (m.Role.Value, m.Text)).ToList();
        if (IsExact)
        {
            try
            {
                return engine.CountTokens(engine.ApplyChatTemplate(turns));
            }
            catch (ModelUnavailableException)
            {
                // switched or unloaded in between: estimate
            }
        }

        return EstimateChatTokens(turns);
    }

    /// <summary>The no-model estimate of plain text: UTF-8 bytes + 1; 0 for empty text.</summary>
    internal static int EstimateTokens(string text) => text.Length == 0 ? 0 : Encoding.UTF8.GetByteCount(text) + 1;

    /// <summary>The no-model estimate of a chat: its ChatML rendering's bytes, plus BOS, plus the per-message margin.</summary>
    internal static int EstimateChatTokens(IReadOnlyList<(string Role, string Content)> turns) =>
        EstimateTokens(LoadedModel.ChatMl(turns)) + 1 + (EstimatedFramingPerMessage * (turns.Count + 1));
}
