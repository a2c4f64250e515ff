using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Review;
using AxWorkbench.Web.Conversations;
using AxWorkbench.Web.Review;

namespace AxWorkbench.Web.Tests.Review;

public sealed class ReviewComponentTests : WorkbenchTestContext
{
    private static readonly Guid _session = Guid.NewGuid();

    private static ChatMessageRecord Message(MessageRole role, string content, Marking marking, Guid? parent = null, long seed = 1) => new()
    {
        Id = Guid.NewGuid(), SessionId = _session, ParentId = parent, Role = role, Content = content, Status = MessageStatus.Complete, Marking = marking,
        ModelName = "fixture", Temperature = 0.5f, TopP = 0.9f, MaxTokens = 64, Seed = seed, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
    };

    private static SessionForReview Data(IReadOnlyList<ChatMessageRecord> messages, Guid? leaf, IReadOnlyList<ReviewComment>? comments = null) => new(
        new ReviewQueueItem(_session, "t", "analyst", "Analyst Kim", "1st Intelligence Battalion", new Marking(ClassificationLevel.Secret), ReviewStatus.InReview, DateTime.UtcNow, DateTime.UtcNow, false),
        messages, leaf, null, new Dictionary<Guid, string>(), comments ?? [], null);

    [Fact]
    public void Transcript_ShowsEveryBranchWithMarkingsParametersAndComments_AndRaisesAComment()
    {
        var question = Message(MessageRole.User, "<b>where</b>", new Marking(ClassificationLevel.Secret, ["NOFORN"]));
        var first = Message(MessageRole.Assistant, "north", new Marking(ClassificationLevel.Secret, ["NOFORN"]), question.Id, seed: 11);
        var second = Message(MessageRole.Assistant, "south", new Marking(ClassificationLevel.Secret, ["NOFORN"]), question.Id, seed: 22);
        var comment = new ReviewComment { Id = Guid.NewGuid(), SessionId = _session, MessageId = first.Id, AuthorName = "supervisor", Text = "source?", CreatedAt = DateTime.UtcNow };
        (Guid, string)? raised = null;

        var cut = Render<ReviewTranscript>(p => p.Add(c => c.Data, Data([question, first, second], second.Id, [comment])).Add(c => c.OnComment, v => raised = v));

        var messages = cut.FindAll("[data-testid=review-message]");
        Assert.Equal(["User", "Assistant", "Assistant"], messages.Select(m => m.GetAttribute("data-role")));
        Assert.All(cut.FindAll("[data-testid=message-marking]"), m => Assert.Equal("(S//NF)", m.TextContent));
        Assert.Equal("<b>where</b>", cut.FindAll("[data-testid=message-content]")[0].TextContent); // text, never markup
        Assert.Equal(["branch 1 of 2", "branch 2 of 2"], cut.FindAll("[data-testid=message-branch]").Select(b => b.TextContent.Trim()));
        Assert.Contains("seed 22", cut.FindAll("[data-testid=message-parameters]")[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("source?", Assert.Single(cut.FindAll("[data-testid=review-comment]")).TextContent, StringComparison.Ordinal);

        cut.FindAll("[data-testid=review-message]")[1].QuerySelector("input")!.Input("Which source?");
        cut.FindAll("[data-testid=comment-add]")[1].Click();
        Assert.Equal((first.Id, "Which source?"), raised);
    }

    [Fact]
    public void Transcript_GroundedAnswer_ListsSourcesWithPassageLinksAndCheckedCitations_FailedAnswerShowsItsReason()
    {
        var secret = new Marking(ClassificationLevel.Secret);
        var document = Guid.NewGuid();
        var question = Message(MessageRole.User, "where", secret);
        var grounded = Message(MessageRole.Assistant, "\"crossed at dawn\" [1]", secret, question.Id);
        var failed = Message(MessageRole.Assistant, "", secret, question.Id);
        failed.Status = MessageStatus.Failed;
        var evidence = new Dictionary<Guid, ReviewAnswerEvidence>
        {
            [grounded.Id] = new(true,
                [new(1, document, "Convoy report", 3, "crossed at dawn", secret, false), new(2, Guid.NewGuid(), null, 8, null, new Marking(ClassificationLevel.TopSecret), true)],
                [new(1, document, 3, "crossed at dawn", true, false), new(2, null, null, null, false, true)], 1, false, null),
            [failed.Id] = new(false, [], [], 0, false, "The model could not be loaded."),
        };

        var cut = Render<ReviewTranscript>(p => p.Add(c => c.Data, Data([question, grounded, failed], grounded.Id) with { Evidence = evidence }));

        var sources = cut.FindAll("[data-testid=review-source]");
        Assert.Equal(2, sources.Count);
        Assert.Contains("Convoy report · p. 3", sources[0].TextContent, StringComparison.Ordinal);
        Assert.Equal(AnswerSources.Link(document, 3, "crossed at dawn"), Assert.Single(cut.FindAll("[data-testid=review-source-link]")).GetAttribute("href"));
        Assert.StartsWith($"/documents/{document}?page=3&highlight=", AnswerSources.Link(document, 3, "crossed at dawn"), StringComparison.Ordinal);
        Assert.Contains("(source above your clearance)", sources[1].TextContent, StringComparison.Ordinal);
        Assert.Equal(["true", "false"], cut.FindAll("[data-testid=review-citation]").Select(c => c.GetAttribute("data-supported")));
        Assert.Contains("1 sources left out", cut.Find("[data-testid=review-sources-left-out]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Did not complete: The model could not be loaded.", cut.Find("[data-testid=review-failure]").TextContent.Trim());
    }

    [Fact]
    public void SessionList_ShowsWhoViewedASessionAndWhen_OnlyForViewedSessions()
    {
        var viewed = new SessionSummary(Guid.NewGuid(), "seen", false, false, Marking.Unclassified, null, DateTime.UtcNow, DateTime.UtcNow);
        var unseen = new SessionSummary(Guid.NewGuid(), "unseen", false, false, Marking.Unclassified, null, DateTime.UtcNow, DateTime.UtcNow);

        var cut = Render<SessionList>(p => p
            .Add(c => c.Sessions, [viewed, unseen])
            .Add(c => c.Views, new Dictionary<Guid, SessionViewed> { [viewed.Id] = new("supervisor", new DateTime(2026, 3, 4, 5, 6, 0, DateTimeKind.Utc)) }));

        var icon = Assert.Single(cut.FindAll("[data-testid=session-viewed]"));
        Assert.Equal("Viewed by supervisor · 2026-03-04 05:06 UTC", icon.GetAttribute("aria-label"));
        Assert.NotNull(icon.Closest($"[data-session-id='{viewed.Id}']"));
    }
}
