using System.Text;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Builds a plain turn's prompt: the persona's system prompt and as many of the latest messages as fit in the model's
/// context after the answer's reserved tokens (the last user turn always), measured with <see cref="ITokenCounter"/>.
/// </summary>
public sealed class PromptBuilder(IOptions<ConversationOptions> options, ITokenCounter? tokens = null, IModelStatus? modelStatus = null)
{
    /// <summary>The context one conversation may use, in tokens.</summary>
    public int ContextSize => tokens?.ContextSize ?? modelStatus?.Info?.ContextLength ?? options.Value.FallbackContextTokens;

    /// <summary>The prompt, the messages placed in it (their markings join into the answer's) and how many older ones were left out.</summary>
    public (List<ChatMessage> Prompt, List<ChatMessageRecord> Included, int Dropped) Build(Persona? persona, IReadOnlyList<ChatMessageRecord> path, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(path);
        var settings = options.Value;
        var budget = ContextSize - maxTokens;
        var history = path.Where(m => m.Role != MessageRole.System && (m.Role == MessageRole.User || m.Content.Length > 0)).ToList();
        var systemCost = persona is null ? 0 : CountTokens(persona.SystemPrompt) + settings.TemplateTokensPerMessage;
        var last = history[^1];
        var lastCost = CountTokens(last.Content) + settings.TemplateTokensPerMessage;
        if (systemCost + lastCost > budget)
        {
            throw new ConversationLimitException(
                $"This prompt needs about {systemCost + lastCost:N0} tokens but the model's context leaves {Math.Max(budget, 0):N0} after the {maxTokens:N0} reserved for the answer. Shorten the prompt or ask for a shorter answer.");
        }

        var used = systemCost + lastCost;
        var included = new List<ChatMessageRecord> { last };
        for (var i = history.Count - 2; i >= 0; i--)
        {
            var cost = CountTokens(history[i].Content) + settings.TemplateTokensPerMessage;
            if (used + cost > budget)
            {
                break;
            }

            used += cost;
            included.Insert(0, history[i]);
        }

        var prompt = new List<ChatMessage>();
        if (persona is not null)
        {
            prompt.Add(new ChatMessage(ChatRole.System, persona.SystemPrompt));
        }

        prompt.AddRange(included.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)));
        return (prompt, included, history.Count - included.Count);
    }

    // Without a registered counter (a host with no model), a conservative estimate: about two bytes of UTF-8 per token.
    private int CountTokens(string text) => tokens?.CountTokens(text) ?? (Encoding.UTF8.GetByteCount(text) / 2) + 1;
}
