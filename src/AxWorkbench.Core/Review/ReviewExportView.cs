using AxWorkbench.Core.Conversations;

namespace AxWorkbench.Core.Review;

/// <summary>A session under review as the chat export reads it: the selected branch (or the latest message's), with each turn's siblings.</summary>
internal static class ReviewExportView
{
    public static ConversationView Of(ChatSession session, IReadOnlyList<ChatMessageRecord> all, Persona? persona)
    {
        var byParent = all.ToLookup(m => m.ParentId);
        var path = PathTo(all, session.SelectedLeafId ?? all.LastOrDefault()?.Id);
        return new ConversationView(
            new SessionSummary(session.Id, session.Title, session.Pinned, session.Archived, session.Marking, session.PersonaId, session.CreatedAt, session.UpdatedAt),
            [.. path.Select(m => new MessageView(m, [.. byParent[m.ParentId].Select(s => s.Id)]))],
            persona);
    }

    private static List<ChatMessageRecord> PathTo(IReadOnlyList<ChatMessageRecord> messages, Guid? leafId)
    {
        var byId = messages.ToDictionary(m => m.Id);
        var path = new List<ChatMessageRecord>();
        var current = leafId;
        while (current is { } id && byId.TryGetValue(id, out var message))
        {
            path.Add(message);
            current = message.ParentId;
        }

        path.Reverse();
        return path;
    }
}
