using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// A session as Markdown (the selected branch, as read) or JSON (every message of every branch: the record), each with
/// the banner line at top and bottom, a portion mark on every message, model name and file hash, UTC timestamps, the sources
/// and checked citations of grounded answers (a source whose marking the reader does not dominate is named as above their
/// clearance, never shown), and why a failed or interrupted answer stopped.
/// </summary>
public sealed class ConversationExporter(ConversationService conversations, GroundedAnswers grounded, IMarkingScheme scheme)
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
        var answers = await grounded.GetAnswersAsync(view.Path.Select(p => p.Message), cancellationToken);
        return RenderMarkdown(view, answers, m => Access.Dominates(actor.Authorization, m));
    }

    /// <summary>The Markdown export of a view already authorized and audited by the caller (the owner's export, a supervisor's review export).</summary>
    public string RenderMarkdown(ConversationView view, IReadOnlyDictionary<Guid, GroundedAnswerView>? answers = null, Func<Marking, bool>? mayRead = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        mayRead ??= _ => true;
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
            if (answers?.GetValueOrDefault(m.Id) is { } answer)
            {
                AppendEvidence(md, answer, mayRead);
            }

            if (MessageFailure.Reason(m) is { } failure)
            {
                md.Append("_Did not complete: ").Append(failure).Append("_\n\n");
            }
        }

        md.Append(banner).Append('\n');
        return md.ToString();
    }

    public async Task<string> ToJsonAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await conversations.AuditExportAsync(actor, sessionId, "json", cancellationToken);
        var view = await conversations.GetConversationAsync(actor, sessionId, cancellationToken);
        var all = await conversations.GetAllMessagesAsync(actor, sessionId, cancellationToken);
        var answers = await grounded.GetAnswersAsync(all, cancellationToken);
        return RenderJson(view, all, answers, m => Access.Dominates(actor.Authorization, m));
    }

    /// <summary>The JSON export (every message of every branch) of a view already authorized and audited by the caller.</summary>
    public string RenderJson(
        ConversationView view, IReadOnlyList<ChatMessageRecord> all, IReadOnlyDictionary<Guid, GroundedAnswerView>? answers = null, Func<Marking, bool>? mayRead = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(all);
        mayRead ??= _ => true;
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
                failure = MessageFailure.Reason(m),
                grounding = answers?.GetValueOrDefault(m.Id) is { } answer ? Grounding(answer, mayRead) : null,
                droppedMessages = m.DroppedMessages,
                createdAt = m.CreatedAt,
                completedAt = m.CompletedAt,
            }),
            bannerBottom = banner,
        };
        return JsonSerializer.Serialize(document, _json);
    }

    private void AppendEvidence(StringBuilder md, GroundedAnswerView answer, Func<Marking, bool> mayRead)
    {
        if (answer.NothingFound)
        {
            md.Append("_Grounded: no passage in the session's libraries matched the question._\n\n");
            return;
        }

        md.Append("Sources:\n\n");
        var hidden = new HashSet<int>();
        foreach (var source in answer.Sources)
        {
            var marking = MarkingStorage.FromStorage(source.Marking);
            if (!mayRead(marking))
            {
                hidden.Add(source.Number);
                md.Append(CultureInfo.InvariantCulture, $"- [{source.Number}] {AboveClearance}\n");
                continue;
            }

            md.Append(CultureInfo.InvariantCulture, $"- [{source.Number}] {scheme.FormatPortion(marking)} {source.Title}, p. {source.Page}{OcrNote(source)} (document {source.DocumentId})\n");
        }

        if (answer.SourcesLeftOut > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"- {answer.SourcesLeftOut} sources left out to fit the model's context\n");
        }

        md.Append('\n');
        if (answer.Citations is { Count: > 0 } citations)
        {
            md.Append("Citations:\n\n");
            foreach (var c in citations)
            {
                var quote = hidden.Contains(c.Number) ? $" {AboveClearance}" : c.Quote is null ? "" : $" \"{c.Quote}\"";
                md.Append(CultureInfo.InvariantCulture, $"- [{c.Number}]{quote}: {(c.Supported ? "supported" : c.DocumentId is null ? "no such source" : "not supported")}\n");
            }

            md.Append('\n');
        }
    }

    private object Grounding(GroundedAnswerView answer, Func<Marking, bool> mayRead)
    {
        var hidden = answer.Sources.Where(s => !mayRead(MarkingStorage.FromStorage(s.Marking))).Select(s => s.Number).ToHashSet();
        return new
        {
            nothingFound = answer.NothingFound,
            sourcesLeftOut = answer.SourcesLeftOut,
            sources = answer.Sources.Select(s => hidden.Contains(s.Number)
                ? (object)new { number = s.Number, aboveClearance = true, note = AboveClearance }
                : new { number = s.Number, documentId = s.DocumentId, title = s.Title, page = s.Page, portionMark = scheme.FormatPortion(MarkingStorage.FromStorage(s.Marking)), ocr = s.Ocr, ocrConfidence = s.OcrConfidence }),
            citations = answer.Citations?.Select(c => hidden.Contains(c.Number)
                ? (object)new { number = c.Number, supported = c.Supported, aboveClearance = true }
                : new { number = c.Number, documentId = c.DocumentId, page = c.Page, quote = c.Quote, supported = c.Supported }),
        };
    }

    private const string AboveClearance = "(source above your clearance)";

    /// <summary>", OCR 91%" when the source's page was read by OCR (its text may hold recognition errors), else nothing.</summary>
    internal static string OcrNote(StoredSource source) => !source.Ocr ? ""
        : source.OcrConfidence is { } confidence ? string.Create(CultureInfo.InvariantCulture, $", OCR {confidence * 100:0}%") : ", OCR";

    private object Describe(Marking marking) => new
    {
        banner = scheme.FormatBanner(marking),
        level = marking.Level.ToString(),
        caveats = marking.Caveats.ToArray(),
        relTo = marking.RelTo?.ToArray(),
    };

    private static string Stamp(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
