using System.Text.Json;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Review;

public sealed class SqliteReviewEvidenceTests() : ReviewEvidenceTests(DbProvider.Sqlite);

public sealed class PostgresReviewEvidenceTests() : ReviewEvidenceTests(DbProvider.Postgres);

/// <summary>The review transcript and the review exports show what backs an answer: its sources, checked citations, and why it stopped.</summary>
public abstract class ReviewEvidenceTests(DbProvider provider) : IAsyncLifetime
{
    private const string Battalion = "1st Intelligence Battalion";
    private static readonly Marking Secret = new(ClassificationLevel.Secret);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly Guid Document = Guid.NewGuid();
    private static readonly Guid HiddenDocument = Guid.NewGuid();
    private ReviewTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ReviewTestHost.StartAsync(provider: provider);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Open_GroundedAnswer_CarriesSourcesAndCheckedCitations_AndHidesASourceAboveClearance()
    {
        var (reviewer, session) = await GroundedSessionAsync();

        var data = await _host.Review.OpenAsync(reviewer, session.SessionId, default);

        var evidence = data.Evidence[session.Answer];
        Assert.True(evidence.Grounded);
        Assert.Equal(2, evidence.SourcesLeftOut);
        var visible = evidence.Sources.Single(s => s.Number == 1);
        Assert.Equal(("Convoy report", 3, Document, false), (visible.Title, visible.Page, visible.DocumentId, visible.AboveClearance));
        Assert.Equal("The convoy crossed the river at dawn.", visible.Passage);
        var hidden = evidence.Sources.Single(s => s.Number == 2);
        Assert.True(hidden.AboveClearance);
        Assert.Null(hidden.Title);
        Assert.Null(hidden.Passage);
        Assert.NotNull(evidence.Citations);
        var citation = Assert.Single(evidence.Citations, c => c.Number == 1);
        Assert.True(citation.Supported);
        Assert.Equal("The convoy crossed the river at dawn.", citation.Quote);
        Assert.Null(evidence.Failure);
    }

    [Fact]
    public async Task Open_FailedAndInterruptedAnswers_CarryTheirReason()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.Secret);
        var analyst = await _host.AddUserAsync("analyst", Battalion, ClassificationLevel.Secret);
        var failed = await _host.AddSessionAsync(analyst, "failed", Secret);
        var interrupted = await _host.AddSessionAsync(analyst, "interrupted", Secret);
        await SetStatusAsync(failed.Answer, MessageStatus.Failed, "The model could not be loaded: out of memory.");
        await SetStatusAsync(interrupted.Answer, MessageStatus.Interrupted, null);
        var reviewer = ReviewTestHost.ReviewerFor(supervisor);

        var failedData = await _host.Review.OpenAsync(reviewer, failed.SessionId, default);
        var interruptedData = await _host.Review.OpenAsync(reviewer, interrupted.SessionId, default);

        Assert.Equal("The model could not be loaded: out of memory.", failedData.Evidence[failed.Answer].Failure);
        Assert.False(failedData.Evidence[failed.Answer].Grounded);
        Assert.Equal(MessageFailure.InterruptedWithoutReason, interruptedData.Evidence[interrupted.Answer].Failure);
    }

    [Fact]
    public async Task Export_MarkdownAndJson_IncludeSourcesCitationsAndTheFailureReason()
    {
        var (reviewer, session) = await GroundedSessionAsync();
        await SetStatusAsync(session.Answer, MessageStatus.Failed, "Generation failed: the model stopped responding.");

        var markdown = await _host.Review.ExportAsync(reviewer, session.SessionId, "md", default);
        var json = JsonDocument.Parse(await _host.Review.ExportAsync(reviewer, session.SessionId, "json", default)).RootElement;

        Assert.Contains("- [1] (S) Convoy report, p. 3", markdown, StringComparison.Ordinal);
        Assert.Contains("- [2] (source above your clearance)", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("Tunnel survey", markdown, StringComparison.Ordinal);
        Assert.Contains("\"The convoy crossed the river at dawn.\": supported", markdown, StringComparison.Ordinal);
        Assert.Contains("Generation failed: the model stopped responding.", markdown, StringComparison.Ordinal);
        var answer = json.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == session.Answer);
        Assert.Equal("Generation failed: the model stopped responding.", answer.GetProperty("failure").GetString());
        var sources = answer.GetProperty("grounding").GetProperty("sources").EnumerateArray().ToList();
        Assert.Equal("Convoy report", sources[0].GetProperty("title").GetString());
        Assert.Equal(3, sources[0].GetProperty("page").GetInt32());
        Assert.Equal("(S)", sources[0].GetProperty("portionMark").GetString());
        Assert.True(sources[1].GetProperty("aboveClearance").GetBoolean());
        Assert.False(sources[1].TryGetProperty("title", out _));
        Assert.True(answer.GetProperty("grounding").GetProperty("citations")[0].GetProperty("supported").GetBoolean());
        Assert.DoesNotContain("Tunnel survey", json.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A Secret session whose answer was grounded on a Secret passage (cited) and, to prove the guard, a stored source
    /// marked above the supervisor's clearance (which the answer's marking would normally rule out).
    /// </summary>
    private async Task<(AxWorkbench.Core.Actors.WorkbenchActor Reviewer, (Guid SessionId, Guid UserTurn, Guid Answer) Session)> GroundedSessionAsync()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.Secret);
        var analyst = await _host.AddUserAsync("analyst", Battalion, ClassificationLevel.Secret);
        var session = await _host.AddSessionAsync(analyst, "grounded", Secret);
        await using var db = await _host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var answer = await db.Messages.SingleAsync(m => m.Id == session.Answer);
        answer.Content = "\"The convoy crossed the river at dawn.\" [1]";
        StoredSource[] sources =
        [
            new(1, 11, Document, 1, "Convoy report", 3, 0, 37, "The convoy crossed the river at dawn.", MarkingStorage.ToStorage(Secret)),
            new(2, 12, HiddenDocument, 1, "Tunnel survey", 8, 0, 20, "Tunnel survey text.", MarkingStorage.ToStorage(new Marking(ClassificationLevel.TopSecret))),
        ];
        db.GroundedAnswers.Add(new GroundedAnswerRecord
        {
            AnswerId = session.Answer,
            SessionId = session.SessionId,
            SourcesJson = JsonSerializer.Serialize(sources, Web),
            ReproducibilityJson = JsonSerializer.Serialize(new { chunks = Array.Empty<object>(), promptSha256 = "00", sourcesLeftOut = 2 }, Web),
            CreatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
        return (ReviewTestHost.ReviewerFor(supervisor), session);
    }

    private async Task SetStatusAsync(Guid answerId, MessageStatus status, string? error)
    {
        await using var db = await _host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var answer = await db.Messages.SingleAsync(m => m.Id == answerId);
        answer.Status = status;
        answer.Error = error;
        await db.SaveChangesAsync();
    }
}
