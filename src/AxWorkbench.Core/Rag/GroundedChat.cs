using System.Text.Json;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Rag;

/// <summary>A source as stored with a grounded answer: enough to link to the passage and to re-check the citations.</summary>
public sealed record StoredSource(int Number, long ChunkId, Guid DocumentId, int Version, string Title, int Page, int Start, int Length, string Text, string Marking);

/// <summary>A citation as stored and shown: the source it names (null when there is none), the quote and whether it checked out.</summary>
public sealed record StoredCitation(int Number, long? ChunkId, Guid? DocumentId, int? Page, string? Title, string? Quote, bool Supported);

/// <summary>What an answer was grounded on and how its citations checked out (citations null while it is still generating).</summary>
public sealed record GroundedAnswerView(Guid AnswerId, IReadOnlyList<StoredSource> Sources, IReadOnlyList<StoredCitation>? Citations, bool NothingFound, AnswerReproducibility Reproducibility);

/// <summary>
/// Chat over libraries. A session keeps the libraries its analyst picked; with any picked, a question is retrieved
/// with the analyst's own authorization (access before ranking), the sources are fenced into the prompt by
/// <see cref="CitedAnswerService"/>, the answer streams through the usual conversation path with a marking that joins
/// every chunk placed in the prompt, and its sources, checked citations and reproducibility record are stored with it.
/// </summary>
public sealed partial class GroundedChat(
    IDbContextFactory<WorkbenchDbContext> contexts,
    ConversationService conversations,
    CitedAnswerService answers,
    RetrievalService retrieval,
    IAuditLog audit,
    ILogger<GroundedChat> logger,
    Inference.IModelStatus? modelStatus = null)
{
    /// <summary>Most of the context the sources may take, in estimated tokens (less when the model's context is small).</summary>
    public const int MaxSourceTokens = 1500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<Guid>> GetLibrariesAsync(ChatActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await conversations.GetConversationAsync(actor, sessionId, cancellationToken); // owner check
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.SessionLibraries.AsNoTracking().Where(l => l.SessionId == sessionId).Select(l => l.LibraryId).ToListAsync(cancellationToken);
    }

    /// <summary>Stores the session's libraries; only libraries the analyst may search are kept.</summary>
    public async Task<IReadOnlyList<Guid>> SetLibrariesAsync(ChatActor actor, SearchPrincipal principal, Guid sessionId, IEnumerable<Guid> libraryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(libraryIds);
        await conversations.GetConversationAsync(actor, sessionId, cancellationToken); // owner check
        var allowed = (await retrieval.ListLibrariesAsync(principal, administrator: false, cancellationToken)).Select(l => l.Id).ToHashSet();
        var picked = libraryIds.Where(allowed.Contains).Distinct().ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.SessionLibraries.Where(l => l.SessionId == sessionId).ExecuteDeleteAsync(cancellationToken);
        db.SessionLibraries.AddRange(picked.Select(id => new SessionLibrary { SessionId = sessionId, LibraryId = id }));
        await db.SaveChangesAsync(cancellationToken);
        return picked;
    }

    /// <summary>Sends a turn: grounded in the session's libraries when it has any, a plain turn otherwise.</summary>
    public async Task<TurnStarted> SendAsync(ChatActor actor, SearchPrincipal principal, Guid sessionId, string text, Marking? marking, SamplingRequest? sampling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(principal);
        var libraries = await GetLibrariesAsync(actor, sessionId, cancellationToken);
        if (libraries.Count == 0)
        {
            return await conversations.SendAsync(actor, sessionId, text, marking, sampling, cancellationToken);
        }

        // The sources get what the model's context leaves after the answer's tokens and the prompt's own text.
        var sample = await conversations.ResolveSamplingAsync(actor, sampling, cancellationToken);
        var context = modelStatus?.Info?.ContextLength ?? 2048;
        var budget = Math.Clamp((context - sample.MaxTokens) * 3 / 4 - 150, 100, MaxSourceTokens);
        var prepared = await answers.PrepareAsync(principal, new AnswerRequest(text, libraries, budget), cancellationToken);
        await audit.WriteAsync(new AuditEvent
        {
            Action = AuditActions.Retrieval,
            Actor = actor.AuditName,
            Target = sessionId.ToString(),
            Marking = prepared.Marking,
            Details = JsonSerializer.Serialize(new { libraries, sources = prepared.Sources.Count, chunks = prepared.Sources.Select(s => s.Hit.ChunkId), prepared.PromptSha256 }, Json),
        }, cancellationToken);
        var grounding = new GroundedPrompt(prepared.Messages, prepared.Marking, prepared.NothingFound ? CitedAnswerService.NothingFoundText : null);
        var started = await conversations.SendAsync(actor, sessionId, text, marking, sampling, cancellationToken, grounding);
        var sources = prepared.Sources.Select(s => new StoredSource(s.Number, s.Hit.ChunkId, s.Hit.DocumentId, s.Hit.Version, s.Hit.Title, s.Hit.Page,
            s.Hit.Start, s.Hit.Length, s.Hit.Text, Markings.MarkingStorage.ToStorage(s.Hit.Marking))).ToList();
        var options = new Microsoft.Extensions.AI.ChatOptions
        {
            Temperature = started.Sampling.Temperature,
            TopP = started.Sampling.TopP,
            Seed = started.Sampling.Seed,
            MaxOutputTokens = started.Sampling.MaxTokens,
        };
        var model = conversations.Coordinator;
        var reproducibility = CitedAnswerService.Record(prepared, model.ModelName, model.ModelSha256, options);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.GroundedAnswers.Add(new GroundedAnswerRecord
            {
                AnswerId = started.AnswerId,
                SessionId = sessionId,
                SourcesJson = JsonSerializer.Serialize(sources, Json),
                ReproducibilityJson = JsonSerializer.Serialize(ToStored(reproducibility), Json),
                NothingFound = prepared.NothingFound,
                CitationsJson = prepared.NothingFound ? "[]" : null,
                CreatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        LogGrounded(logger, started.AnswerId, sources.Count, prepared.Marking.ToString());
        if (conversations.Coordinator.Find(started.AnswerId) is { } active)
        {
            _ = CheckWhenDoneAsync(actor, active);
        }

        return started;
    }

    /// <summary>
    /// The grounded answers among <paramref name="messages"/>, by answer id. The citations of a finished answer are
    /// checked against its stored sources (and stored) the first time they are asked for.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, GroundedAnswerView>> GetAnswersAsync(IEnumerable<ChatMessageRecord> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var byId = messages.Where(m => m.Role == MessageRole.Assistant).ToDictionary(m => m.Id);
        var ids = byId.Keys.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var records = await db.GroundedAnswers.Where(a => ids.Contains(a.AnswerId)).ToListAsync(cancellationToken);
        var views = new Dictionary<Guid, GroundedAnswerView>();
        var changed = false;
        foreach (var record in records)
        {
            var message = byId[record.AnswerId];
            if (record.CitationsJson is null && message.Status != MessageStatus.Generating)
            {
                record.CitationsJson = JsonSerializer.Serialize(Check(message.Content, Sources(record)), Json);
                changed = true;
            }

            views[record.AnswerId] = ToView(record);
        }

        if (changed)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return views;
    }

    /// <summary>Checks each [n] (and the quote before it) against the sources that were in the prompt.</summary>
    public static IReadOnlyList<StoredCitation> Check(string answer, IReadOnlyList<StoredSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var asSources = sources.Select(s => new AnswerSource(s.Number, new SearchHit(s.ChunkId, s.DocumentId, s.Version, s.Title, s.Page, s.Start, s.Length,
            Markings.MarkingStorage.FromStorage(s.Marking), s.Text, [], 0, null, null, null, null))).ToList();
        return [.. ContextAssembler.CheckCitations(answer, asSources).Select(c => new StoredCitation(c.Number, c.Source?.Hit.ChunkId, c.Source?.Hit.DocumentId,
            c.Source?.Hit.Page, c.Source?.Hit.Title, c.Quote, c.Supported))];
    }

    private async Task CheckWhenDoneAsync(ChatActor actor, ActiveGeneration active)
    {
        try
        {
            await active.Completion.ConfigureAwait(false);
            var messages = await conversations.GetAllMessagesAsync(actor, active.Job.SessionId, CancellationToken.None).ConfigureAwait(false);
            await GetAnswersAsync(messages.Where(m => m.Id == active.AnswerId), CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // best effort: the citations are checked again when the answer is next shown
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogCheckFailed(logger, active.AnswerId, ex);
        }
    }

    private static List<StoredSource> Sources(GroundedAnswerRecord record) => JsonSerializer.Deserialize<List<StoredSource>>(record.SourcesJson, Json) ?? [];

    private static GroundedAnswerView ToView(GroundedAnswerRecord record) => new(
        record.AnswerId,
        Sources(record),
        record.CitationsJson is null ? null : JsonSerializer.Deserialize<List<StoredCitation>>(record.CitationsJson, Json),
        record.NothingFound,
        FromStored(JsonSerializer.Deserialize<StoredReproducibility>(record.ReproducibilityJson, Json)!));

    private sealed record StoredChunk(long ChunkId, Guid DocumentId, int Version);

    private sealed record StoredReproducibility(List<StoredChunk> Chunks, string? Embedder, string? ModelId, string? ModelHash, float? Temperature, float? TopP, long? Seed, int? MaxOutputTokens, string PromptSha256);

    private static StoredReproducibility ToStored(AnswerReproducibility r) =>
        new([.. r.Chunks.Select(c => new StoredChunk(c.ChunkId, c.DocumentId, c.Version))], r.Embedder, r.ModelId, r.ModelHash, r.Temperature, r.TopP, r.Seed, r.MaxOutputTokens, r.PromptSha256);

    private static AnswerReproducibility FromStored(StoredReproducibility r) =>
        new([.. r.Chunks.Select(c => (c.ChunkId, c.DocumentId, c.Version))], r.Embedder, r.ModelId, r.ModelHash, r.Temperature, r.TopP, r.Seed, r.MaxOutputTokens, r.PromptSha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer {AnswerId} grounded on {Sources} sources, marking {Marking}")]
    private static partial void LogGrounded(ILogger logger, Guid answerId, int sources, string marking);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the citations of answer {AnswerId} failed; they are checked when it is next shown")]
    private static partial void LogCheckFailed(ILogger logger, Guid answerId, Exception exception);
}
