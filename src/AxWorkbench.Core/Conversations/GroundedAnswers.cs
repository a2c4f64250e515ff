using System.Text.Json;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Grounded answering, a mode of a conversation: a session keeps the libraries its analyst picked; with any picked, each
/// turn (send, edit or regenerate) is retrieved with the analyst's own authorization (access before ranking), the
/// sources are fenced into the prompt by <see cref="CitedAnswerService"/>, the answer's marking joins every chunk placed
/// in the prompt, and its sources, checked citations and reproducibility record are stored with it.
/// </summary>
public sealed partial class GroundedAnswers(
    IDbContextFactory<WorkbenchDbContext> contexts,
    IDbContextFactory<WorkbenchDbContext> conversations,
    IConversationAudit conversationAudit,
    CitedAnswerService answers,
    RetrievalService retrieval,
    IAuditLog audit,
    ILogger<GroundedAnswers> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<Guid>> GetLibrariesAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await OwnerCheckAsync(actor, sessionId, cancellationToken);
        return await LibrariesAsync(sessionId, cancellationToken);
    }

    /// <summary>Stores the session's libraries; only libraries the analyst may search are kept.</summary>
    public async Task<IReadOnlyList<Guid>> SetLibrariesAsync(WorkbenchActor actor, Guid sessionId, IEnumerable<Guid> libraryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(libraryIds);
        await OwnerCheckAsync(actor, sessionId, cancellationToken);
        var allowed = (await retrieval.ListSearchableAsync(actor, cancellationToken)).Select(l => l.Id).ToHashSet();
        var picked = libraryIds.Where(allowed.Contains).Distinct().ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.SessionLibraries.Where(l => l.SessionId == sessionId).ExecuteDeleteAsync(cancellationToken);
        db.SessionLibraries.AddRange(picked.Select(id => new SessionLibrary { SessionId = sessionId, LibraryId = id }));
        await db.SaveChangesAsync(cancellationToken);
        return picked;
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
            MarkingStorage.FromStorage(s.Marking), s.Text, [], 0, null, null, null, null, s.Ocr, s.OcrConfidence))).ToList();
        return [.. ContextAssembler.CheckCitations(answer, asSources).Select(c => new StoredCitation(c.Number, c.Source?.Hit.ChunkId, c.Source?.Hit.DocumentId,
            c.Source?.Hit.Page, c.Source?.Hit.Title, c.Quote, c.Supported))];
    }

    /// <summary>
    /// The grounding step of a turn (the owner already checked): null when the session has no libraries (a plain turn);
    /// otherwise the retrieved sources placed, best first, while the whole prompt (counted by the model's tokenizer) plus
    /// the answer's tokens fits the context, the retrieval audited. Refused (<see cref="ConversationLimitException"/>)
    /// only when passages were found and not one of them, or not even the question alone, fits.
    /// </summary>
    internal async Task<GroundedPrompt?> PrepareAsync(WorkbenchActor actor, Guid sessionId, string question, EffectiveSampling sample, CancellationToken cancellationToken)
    {
        var clock = PhaseClock.Start();
        var libraries = await LibrariesAsync(sessionId, cancellationToken);
        if (libraries.Count == 0)
        {
            return null;
        }

        var librariesMs = clock.Lap();
        var prepared = await answers.PrepareAsync(actor, new AnswerRequest(question, libraries, sample.MaxTokens), cancellationToken);
        var prepareMs = clock.Lap();
        await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Retrieval, sessionId.ToString(),
            details: new { libraries, sources = prepared.Sources.Count, leftOut = prepared.LeftOut, chunks = prepared.Sources.Select(s => s.Hit.ChunkId), prepared.PromptSha256 })
            with { Marking = prepared.Marking }, cancellationToken);
        if (clock.Elapsed > RetrievalService.SlowSearch)
        {
            LogSlowGrounding(logger, sessionId, clock.Elapsed.TotalSeconds, librariesMs, prepareMs, clock.Lap());
        }
        if (prepared.DoesNotFit)
        {
            throw new ConversationLimitException(prepared.DoesNotFitMessage(sample.MaxTokens));
        }

        return new GroundedPrompt(prepared);
    }

    /// <summary>Stores what the answer was grounded on; its citations are checked once it is complete.</summary>
    internal async Task<GroundedAnswerView> RecordAsync(
        Guid sessionId, Guid answerId, GroundedPrompt grounding, EffectiveSampling sample, string? modelName, string? modelSha256,
        ActiveGeneration? generation, CancellationToken cancellationToken)
    {
        var prepared = grounding.Prepared;
        var sources = prepared.Sources.Select(s => new StoredSource(s.Number, s.Hit.ChunkId, s.Hit.DocumentId, s.Hit.Version, s.Hit.Title, s.Hit.Page,
            s.Hit.Start, s.Hit.Length, s.Hit.Text, MarkingStorage.ToStorage(s.Hit.Marking), s.Hit.Ocr, s.Hit.OcrConfidence)).ToList();
        var options = new ChatOptions { Temperature = sample.Temperature, TopP = sample.TopP, Seed = sample.Seed, MaxOutputTokens = sample.MaxTokens };
        var record = new GroundedAnswerRecord
        {
            AnswerId = answerId,
            SessionId = sessionId,
            SourcesJson = JsonSerializer.Serialize(sources, Json),
            ReproducibilityJson = JsonSerializer.Serialize(ToStored(CitedAnswerService.Record(prepared, modelName, modelSha256, options), prepared.LeftOut), Json),
            NothingFound = prepared.NothingFound,
            CitationsJson = prepared.NothingFound ? "[]" : null,
            CreatedAt = DateTime.UtcNow,
        };
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.GroundedAnswers.Add(record);
            await db.SaveChangesAsync(cancellationToken);
        }

        LogGrounded(logger, answerId, sources.Count, prepared.LeftOut, prepared.PromptTokens, prepared.ContextSize, prepared.Marking.ToString());
        if (generation is not null)
        {
            _ = CheckWhenDoneAsync(generation);
        }

        return ToView(record);
    }

    private async Task<List<Guid>> LibrariesAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.SessionLibraries.AsNoTracking().Where(l => l.SessionId == sessionId).Select(l => l.LibraryId).ToListAsync(cancellationToken);
    }

    private async Task OwnerCheckAsync(WorkbenchActor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var db = await conversations.CreateDbContextAsync(cancellationToken);
        await SessionAccess.OwnedSessionAsync(db, conversationAudit, actor, sessionId, cancellationToken);
    }

    private async Task CheckWhenDoneAsync(ActiveGeneration active)
    {
        try
        {
            await active.Completion.ConfigureAwait(false);
            await using var db = await conversations.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
            var answer = await db.Messages.AsNoTracking().Where(m => m.Id == active.AnswerId).ToListAsync(CancellationToken.None).ConfigureAwait(false);
            await GetAnswersAsync(answer, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // best effort: the citations are checked again when the answer is next shown
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogCheckFailed(logger, active.AnswerId, ex);
        }
    }

    private static List<StoredSource> Sources(GroundedAnswerRecord record) => JsonSerializer.Deserialize<List<StoredSource>>(record.SourcesJson, Json) ?? [];

    private static GroundedAnswerView ToView(GroundedAnswerRecord record)
    {
        var reproducibility = JsonSerializer.Deserialize<StoredReproducibility>(record.ReproducibilityJson, Json)!;
        return new(
            record.AnswerId,
            Sources(record),
            record.CitationsJson is null ? null : JsonSerializer.Deserialize<List<StoredCitation>>(record.CitationsJson, Json),
            record.NothingFound,
            FromStored(reproducibility))
        {
            SourcesLeftOut = reproducibility.SourcesLeftOut,
        };
    }

    private sealed record StoredChunk(long ChunkId, Guid DocumentId, int Version);

    /// <summary>The reproducibility record as stored; <see cref="SourcesLeftOut"/> (passages left out to fit the context) is 0 in records made before it was kept.</summary>
    private sealed record StoredReproducibility(List<StoredChunk> Chunks, string? Embedder, string? ModelId, string? ModelHash, float? Temperature, float? TopP, long? Seed, int? MaxOutputTokens, string PromptSha256, int SourcesLeftOut = 0);

    private static StoredReproducibility ToStored(AnswerReproducibility r, int sourcesLeftOut) =>
        new([.. r.Chunks.Select(c => new StoredChunk(c.ChunkId, c.DocumentId, c.Version))], r.Embedder, r.ModelId, r.ModelHash, r.Temperature, r.TopP, r.Seed, r.MaxOutputTokens, r.PromptSha256, sourcesLeftOut);

    private static AnswerReproducibility FromStored(StoredReproducibility r) =>
        new([.. r.Chunks.Select(c => (c.ChunkId, c.DocumentId, c.Version))], r.Embedder, r.ModelId, r.ModelHash, r.Temperature, r.TopP, r.Seed, r.MaxOutputTokens, r.PromptSha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer {AnswerId} grounded on {Sources} sources ({LeftOut} left out to fit; prompt {PromptTokens} of {ContextSize} tokens), marking {Marking}")]
    private static partial void LogGrounded(ILogger logger, Guid answerId, int sources, int leftOut, int promptTokens, int contextSize, string marking);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrieval for a turn in session {SessionId} took {Seconds:F1} s: session's libraries read {LibrariesMs:F0} ms, search and prompt {PrepareMs:F0} ms, retrieval audit {AuditMs:F0} ms")]
    private static partial void LogSlowGrounding(ILogger logger, Guid sessionId, double seconds, double librariesMs, double prepareMs, double auditMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the citations of answer {AnswerId} failed; they are checked when it is next shown")]
    private static partial void LogCheckFailed(ILogger logger, Guid answerId, Exception exception);
}
