using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Builds a plain turn's prompt: the persona's system prompt and as many of the latest messages as fit in the model's
/// context after the answer's reserved tokens (the last user turn always). The whole prompt, the chat template's framing
/// included, is measured with <see cref="ITokenCounter"/> (the model's own tokenizer; a conservative estimate without one).
/// </summary>
public sealed class PromptBuilder(ITokenCounter tokens)
{
    /// <summary>The context one conversation may use, in tokens.</summary>
    public int ContextSize => tokens.ContextSize;

    /// <summary>The prompt, the messages placed in it (their markings join into the answer's) and how many older ones were left out.</summary>
    public (List<ChatMessage> Prompt, List<ChatMessageRecord> Included, int Dropped) Build(Persona? persona, IReadOnlyList<ChatMessageRecord> path, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(path);
        var budget = ContextSize - maxTokens;
        var history = path.Where(m => m.Role != MessageRole.System && (m.Role == MessageRole.User || m.Content.Length > 0)).ToList();
        var included = new List<ChatMessageRecord> { history[^1] };
        var prompt = Prompt(persona, included);
        var used = tokens.CountChatTokens(prompt);
        if (used > budget)
        {
            throw new ConversationLimitException(
                $"This prompt needs {used:N0} tokens but the model's context leaves {Math.Max(budget, 0):N0} after the {maxTokens:N0} reserved for the answer. Shorten the prompt or ask for a shorter answer.");
        }

        // Older turns, newest first, while they fit: each is priced alone (its text and its share of the template),
        // then the whole prompt is counted again and the oldest dropped until it fits (tokenization is not additive).
        var framing = Math.Max(1, (used - prompt.Sum(m => tokens.CountTokens(m.Text))) / prompt.Count);
        for (var i = history.Count - 2; i >= 0; i--)
        {
            var cost = tokens.CountTokens(history[i].Content) + framing;
            if (used + cost > budget)
            {
                break;
            }

            used += cost;
            included.Insert(0, history[i]);
        }

        prompt = Prompt(persona, included);
        while (included.Count > 1 && tokens.CountChatTokens(prompt) > budget)
        {
            included.RemoveAt(0);
            prompt = Prompt(persona, included);
        }

        return (prompt, included, history.Count - included.Count);
    }

    private static List<ChatMessage> Prompt(Persona? persona, List<ChatMessageRecord> included)
    {
        var prompt = new List<ChatMessage>();
        if (persona is not null)
        {
            prompt.Add(new ChatMessage(ChatRole.System, persona.SystemPrompt));
        }

        prompt.AddRange(included.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)));
        return prompt;
    }
}
