using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// A session as Markdown (the selected branch, as read) or JSON (every message of every branch: the record), each with
/// the banner line at top and bottom, a portion mark on every message, model name and file hash, and UTC timestamps.
/// </summary>
public sealed class ConversationExporter(ConversationService conversations, IMarkingScheme scheme)
{
    private static readonly JsonSerializerOptions _json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task<string> ToMarkdownAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await conversations.AuditExportAsync(actor, sessionId, "markdown", cancellationToken);
        var view = await conversations.GetConversationAsync(actor, sessionId, cancellationToken);
        return RenderMarkdown(view);
    }

    /// <summary>The Markdown export of a view already authorized and audited by the caller (the owner's export, a supervisor's review export).</summary>
    public string RenderMarkdown(ConversationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var banner = scheme.FormatBanner(view.Session.Marking);
        var md = new StringBuilder();
        md.Append(banner).Append("\n\n");
        md.Append("# ").Append(scheme.FormatPortion(view.Session.Marking)).Append(' ').Append(view.Session.Title).Append("\n\n");
        md.Append("- Session: ").Append(view.Session.Id).Append('\n');
        md.Append("- Created: ").Append(Stamp(view.Session.CreatedAt)).Append('\n');
        md.Append("- Updated: ").Append(Stamp(view.Session.UpdatedAt)).Append('\n');
        if (view.Persona is { } persona)
        {
            md.Append("- Persona: ").Append(persona.Name).Append('\n');
        }

        md.Append("- Exported: ").Append(Stamp(DateTime.UtcNow)).Append("\n\n");
        foreach (var item in view.Path)
        {
            var m = item.Message;
            md.Append("## ").Append(scheme.FormatPortion(m.Marking)).Append(' ').Append(m.Role == MessageRole.User ? "User" : "Assistant")
              .Append(" · ").Append(Stamp(m.CreatedAt));
            if (item.SiblingIds.Count > 1)
            {
                md.Append(CultureInfo.InvariantCulture, $" · branch {item.SiblingIndex + 1} of {item.SiblingIds.Count}");
            }

            md.Append("\n\n");
            if (m.Role == MessageRole.Assistant)
            {
                md.Append(CultureInfo.InvariantCulture, $"_Model: {m.ModelName ?? "unknown"} (SHA-256 {m.ModelSha256 ?? "unknown"}); status {m.Status}; temperature {m.Temperature}, top-p {m.TopP}, max tokens {m.MaxTokens}, seed {m.Seed}_\n\n");
            }

            md.Append(scheme.FormatPortion(m.Marking)).Append(' ').Append(m.Content).Append("\n\n");
        }

        md.Append(banner).Append('\n');
        return md.ToString();
    }

    public async Task<string> ToJsonAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await conversations.AuditExportAsync(actor, sessionId, "json", cancellationToken);
        var view = await conversations.GetConversationAsync(actor, sessionId, cancellationToken);
        var all = await conversations.GetAllMessagesAsync(actor, sessionId, cancellationToken);
        return RenderJson(view, all);
    }

    /// <summary>The JSON export (every message of every branch) of a view already authorized and audited by the caller.</summary>
    public string RenderJson(ConversationView view, IReadOnlyList<ChatMessageRecord> all)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(all);
        var selected = view.Path.Select(p => p.Message.Id).ToHashSet();
        var banner = scheme.FormatBanner(view.Session.Marking);
        var document = new
        {
            bannerTop = banner,
            session = new
            {
                id = view.Session.Id,
                title = view.Session.Title,
                marking = Describe(view.Session.Marking),
                persona = view.Persona?.Name,
                createdAt = view.Session.CreatedAt,
                updatedAt = view.Session.UpdatedAt,
            },
            exportedAt = DateTime.UtcNow,
            messages = all.Select(m => new
            {
                id = m.Id,
                parentId = m.ParentId,
                onSelectedBranch = selected.Contains(m.Id),
                role = m.Role.ToString().ToLowerInvariant(),
                portionMark = scheme.FormatPortion(m.Marking),
                marking = Describe(m.Marking),
                status = m.Status.ToString().ToLowerInvariant(),
                content = m.Content,
                model = m.Role == MessageRole.Assistant ? new { name = m.ModelName, sha256 = m.ModelSha256 } : null,
                sampling = m.Role == MessageRole.Assistant ? new { temperature = m.Temperature, topP = m.TopP, maxTokens = m.MaxTokens, seed = m.Seed } : null,
                promptTokens = m.PromptTokens,
                completionTokens = m.CompletionTokens,
                finishReason = m.FinishReason,
                error = m.Error,
                droppedMessages = m.DroppedMessages,
                createdAt = m.CreatedAt,
                completedAt = m.CompletedAt,
            }),
            bannerBottom = banner,
        };
        return JsonSerializer.Serialize(document, _json);
    }

    private object Describe(Marking marking) => new
    {
        banner = scheme.FormatBanner(marking),
        level = marking.Level.ToString(),
        caveats = marking.Caveats.ToArray(),
        relTo = marking.RelTo?.ToArray(),
    };

    private static string Stamp(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
