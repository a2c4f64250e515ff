using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Review;
using AxWorkbench.Core.Tests.Data;

namespace AxWorkbench.Core.Tests.Review;

public sealed class SqliteReviewServiceTests() : ReviewServiceTests(DbProvider.Sqlite);

public sealed class PostgresReviewServiceTests() : ReviewServiceTests(DbProvider.Postgres);

public abstract class ReviewServiceTests(DbProvider provider) : IAsyncLifetime
{
    private const string Hq = "Headquarters";
    private const string Battalion = "1st Intelligence Battalion";
    private static readonly Marking Secret = new(ClassificationLevel.Secret);
    private static readonly Marking TopSecretSi = new(ClassificationLevel.TopSecret, ["SI"]);
    private static readonly Marking Confidential = new(ClassificationLevel.Confidential);
    private ReviewTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ReviewTestHost.StartAsync(provider: provider);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Queue_HeadquartersSupervisor_SeesSubUnitAnalysts_BattalionSupervisorDoesNotSeeHeadquarters()
    {
        var hqSupervisor = await _host.AddUserAsync("hq-sup", Hq, ClassificationLevel.TopSecret, "SI");
        var bnSupervisor = await _host.AddUserAsync("bn-sup", Battalion, ClassificationLevel.TopSecret, "SI");
        var bnAnalyst = await _host.AddUserAsync("bn-analyst", Battalion, ClassificationLevel.Secret);
        var hqAnalyst = await _host.AddUserAsync("hq-analyst", Hq, ClassificationLevel.Secret);
        var bnSession = await _host.AddSessionAsync(bnAnalyst, "battalion work", Secret);
        var hqSession = await _host.AddSessionAsync(hqAnalyst, "headquarters work", Secret);

        var hqQueue = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(hqSupervisor), new(), default);
        var bnQueue = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(bnSupervisor), new(), default);

        Assert.Equal([bnSession.SessionId, hqSession.SessionId], hqQueue.Items.Select(i => i.SessionId).Order());
        Assert.Equal([bnSession.SessionId], bnQueue.Items.Select(i => i.SessionId));
        Assert.Equal(1, bnQueue.Total);
    }

    [Fact]
    public async Task Queue_SessionAboveSupervisorsClearance_IsNeitherListedNorCounted()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.Secret);
        var analyst = await _host.AddUserAsync("analyst", Battalion, ClassificationLevel.TopSecret, "SI");
        await _host.AddSessionAsync(analyst, "top secret work", TopSecretSi);
        var visible = await _host.AddSessionAsync(analyst, "secret work", Secret);

        var all = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(supervisor), new(), default);
        var byText = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(supervisor), new(Text: "work"), default);
        var byLevel = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(supervisor), new(Level: ClassificationLevel.TopSecret), default);

        Assert.Equal([visible.SessionId], all.Items.Select(i => i.SessionId));
        Assert.Equal(1, all.Total);
        Assert.Equal(1, byText.Total);
        Assert.Equal(0, byLevel.Total);
        Assert.Empty(byLevel.Items);
    }

    [Fact]
    public async Task Queue_FiltersByAnalystDateMarkingStatusAndText()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.TopSecret, "SI");
        var kim = await _host.AddUserAsync("kim", Battalion, ClassificationLevel.Secret);
        var choi = await _host.AddUserAsync("choi", Battalion, ClassificationLevel.Secret);
        var old = await _host.AddSessionAsync(kim, "old convoy", Confidential, "bridge status", at: new DateTime(2026, 1, 10, 8, 0, 0, DateTimeKind.Utc));
        var recent = await _host.AddSessionAsync(kim, "recent", Secret, "radar sites", at: new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc));
        var other = await _host.AddSessionAsync(choi, "choi's", Secret, "radar sites", at: new DateTime(2026, 3, 2, 8, 0, 0, DateTimeKind.Utc));
        var reviewer = ReviewTestHost.ReviewerFor(supervisor);
        await _host.Review.SignOffAsync(reviewer, other.SessionId, default);

        async Task<Guid[]> Ids(ReviewQueueFilter f) => [.. (await _host.Review.QueueAsync(reviewer, f, default)).Items.Select(i => i.SessionId).Order()];

        Assert.Equal([old.SessionId, recent.SessionId], await Ids(new(Analyst: "kim")));
        Assert.Equal([old.SessionId], await Ids(new(To: new DateTime(2026, 1, 10))));
        Assert.Equal([recent.SessionId, other.SessionId], await Ids(new(From: new DateTime(2026, 2, 1))));
        Assert.Equal([old.SessionId], await Ids(new(Level: ClassificationLevel.Confidential)));
        Assert.Equal([other.SessionId], await Ids(new(Status: ReviewStatus.SignedOff)));
        Assert.Equal([old.SessionId, recent.SessionId], await Ids(new(Status: ReviewStatus.New)));
        Assert.Equal([recent.SessionId, other.SessionId], await Ids(new(Text: "radar")));
        Assert.Equal([old.SessionId], await Ids(new(Text: "convoy")));
    }

    [Fact]
    public async Task Open_BySupervisor_IsAuditedAsViewed_AndOwnerSeesWhoAndWhen()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.TopSecret, "SI");
        var analyst = await _host.AddUserAsync("analyst", Battalion, ClassificationLevel.Secret);
        var session = await _host.AddSessionAsync(analyst, "work", Secret, branch: true);
        Assert.Empty(await _host.Review.ViewsOfOwnSessionsAsync(analyst.Id, default));

        var opened = await _host.Review.OpenAsync(ReviewTestHost.ReviewerFor(supervisor), session.SessionId, default);

        Assert.Equal(3, opened.Messages.Count); // both branches
        Assert.Equal(ReviewStatus.InReview, opened.Session.Status);
        var viewed = Assert.Single(await _host.AuditAsync(AuditActions.SessionViewed));
        Assert.Equal("sup", viewed.Actor);
        Assert.Equal(session.SessionId.ToString(), viewed.Target);
        Assert.StartsWith("SECRET", viewed.Marking, StringComparison.Ordinal);
        var views = await _host.Review.ViewsOfOwnSessionsAsync(analyst.Id, default);
        Assert.Equal("sup", views[session.SessionId].ViewerName);
        Assert.True(DateTime.UtcNow - views[session.SessionId].ViewedAt < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Open_OutsideUnitOrAboveClearance_IsRefusedTheSameWay_AndEachAttemptIsAudited()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.Secret);
        var hqAnalyst = await _host.AddUserAsync("hq-analyst", Hq, ClassificationLevel.Secret);
        var bnAnalyst = await _host.AddUserAsync("bn-analyst", Battalion, ClassificationLevel.TopSecret, "SI");
        var outside = await _host.AddSessionAsync(hqAnalyst, "hq", Secret);
        var above = await _host.AddSessionAsync(bnAnalyst, "ts", TopSecretSi);
        var reviewer = ReviewTestHost.ReviewerFor(supervisor);

        await Assert.ThrowsAsync<ReviewAccessDeniedException>(() => _host.Review.OpenAsync(reviewer, outside.SessionId, default));
        await Assert.ThrowsAsync<ReviewAccessDeniedException>(() => _host.Review.OpenAsync(reviewer, above.SessionId, default));
        await Assert.ThrowsAsync<ReviewAccessDeniedException>(() => _host.Review.CommentAsync(reviewer, above.SessionId, above.Answer, "hm", default));
        await Assert.ThrowsAsync<ReviewAccessDeniedException>(() => _host.Review.SignOffAsync(reviewer, outside.SessionId, default));
        await Assert.ThrowsAsync<ReviewAccessDeniedException>(() => _host.Review.ExportAsync(reviewer, above.SessionId, "md", default));

        var denied = await _host.AuditAsync(AuditActions.AccessDenied);
        Assert.Equal(5, denied.Count);
        Assert.All(denied, d => Assert.Equal(AuditOutcomes.Denied, d.Outcome));
        Assert.Contains("outside-unit", denied[0].Details, StringComparison.Ordinal);
        Assert.Contains("above-clearance", denied[1].Details, StringComparison.Ordinal);
        Assert.Empty(await _host.AuditAsync(AuditActions.SessionViewed));
        Assert.Empty(await _host.Review.ViewsOfOwnSessionsAsync(bnAnalyst.Id, default));
    }

    [Fact]
    public async Task CommentFlagAndSignOff_ChangeTheStatus_AndAreEachAudited()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.TopSecret, "SI");
        var analyst = await _host.AddUserAsync("analyst", Battalion, ClassificationLevel.Secret);
        var session = await _host.AddSessionAsync(analyst, "work", Secret);
        var reviewer = ReviewTestHost.ReviewerFor(supervisor);

        await _host.Review.CommentAsync(reviewer, session.SessionId, session.Answer, "Cite the source for this.", default);
        Assert.Equal(ReviewStatus.InReview, (await _host.Review.ReloadAsync(reviewer, session.SessionId, default)).Session.Status);
        await Assert.ThrowsAsync<ReviewOperationException>(() => _host.Review.FlagAsync(reviewer, session.SessionId, "  ", default));
        await _host.Review.FlagAsync(reviewer, session.SessionId, "Unsourced claim", default);
        var flagged = await _host.Review.ReloadAsync(reviewer, session.SessionId, default);
        Assert.Equal(ReviewStatus.Flagged, flagged.Session.Status);
        Assert.Equal("Unsourced claim", flagged.Review!.FlagReason);
        await _host.Review.SignOffAsync(reviewer, session.SessionId, default);
        var signed = await _host.Review.ReloadAsync(reviewer, session.SessionId, default);

        Assert.Equal(ReviewStatus.SignedOff, signed.Session.Status);
        Assert.Equal("sup", signed.Review!.SignedOffBy);
        var comment = Assert.Single(signed.Comments);
        Assert.Equal(session.Answer, comment.MessageId);
        Assert.Single(await _host.AuditAsync(AuditActions.Comment));
        Assert.Single(await _host.AuditAsync(AuditActions.Flag));
        Assert.Single(await _host.AuditAsync(AuditActions.SignOff));
        Assert.Empty(await _host.AuditAsync(AuditActions.SessionViewed)); // reloads are not views
    }

    [Fact]
    public async Task Export_BySupervisor_CarriesBannersAndIsAuditedAsExport()
    {
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.TopSecret, "SI");
        var analyst = await _host.AddUserAsync("analyst", Battalion, ClassificationLevel.Secret);
        var session = await _host.AddSessionAsync(analyst, "work", Secret, branch: true);

        var markdown = await _host.Review.ExportAsync(ReviewTestHost.ReviewerFor(supervisor), session.SessionId, "md", default);
        var json = await _host.Review.ExportAsync(ReviewTestHost.ReviewerFor(supervisor), session.SessionId, "json", default);

        Assert.StartsWith("SECRET", markdown, StringComparison.Ordinal);
        Assert.EndsWith("SECRET\n", markdown, StringComparison.Ordinal);
        Assert.Contains("North of the river.", markdown, StringComparison.Ordinal);
        Assert.Contains("South of the ridge.", json, StringComparison.Ordinal); // JSON holds every branch
        var exports = await _host.AuditAsync(AuditActions.Export);
        Assert.Equal(2, exports.Count);
        Assert.All(exports, e => Assert.Equal("sup", e.Actor));
    }

    [Fact]
    public async Task AnalystOpeningAnotherAnalystsChatSession_IsNotFound_AndTheAttemptIsAudited()
    {
        var owner = await _host.AddUserAsync("owner", Battalion, ClassificationLevel.Secret);
        var other = await _host.AddUserAsync("other", Battalion, ClassificationLevel.TopSecret, "SI");
        var session = await _host.AddSessionAsync(owner, "mine", Secret);
        var exporter = (ConversationExporter)_host.Host.Services.GetService(typeof(ConversationExporter))!;

        await Assert.ThrowsAsync<ConversationNotFoundException>(() => _host.Conversations.GetConversationAsync(ReviewTestHost.ActorFor(other), session.SessionId, default));
        await Assert.ThrowsAsync<ConversationNotFoundException>(() => exporter.ToMarkdownAsync(ReviewTestHost.ActorFor(other), session.SessionId, default));
        await Assert.ThrowsAsync<ConversationNotFoundException>(() => _host.Conversations.GetConversationAsync(ReviewTestHost.ActorFor(other), Guid.NewGuid(), default));

        var denied = await _host.AuditAsync(AuditActions.AccessDenied);
        Assert.Equal(2, denied.Count); // a session that does not exist is no one's: nothing to deny
        Assert.All(denied, d => Assert.Equal("other", d.Actor));
        Assert.Empty(await _host.AuditAsync(AuditActions.Export));
        Assert.Empty(await _host.Review.ViewsOfOwnSessionsAsync(owner.Id, default));
    }

    [Fact]
    public async Task Units_NewSubUnitWidensScope_AndAUnitCannotMoveUnderItsOwnSubUnit()
    {
        var actor = new WorkbenchActor("admin", "admin", [Roles.Admin], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>()), ClientAddress: "127.0.0.1");
        var company = await _host.Units.CreateAsync(actor, "Alpha Company", ReviewData.FirstIntelligenceBattalionId, default);
        var supervisor = await _host.AddUserAsync("sup", Battalion, ClassificationLevel.Secret);
        var analyst = await _host.AddUserAsync("alpha-analyst", "Alpha Company", ClassificationLevel.Secret);
        var session = await _host.AddSessionAsync(analyst, "alpha", Secret);

        var queue = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(supervisor), new(), default);
        var cycle = await Assert.ThrowsAsync<ReviewOperationException>(() => _host.Units.SetParentAsync(actor, ReviewData.HeadquartersId, company.Id, default));
        await _host.Units.SetParentAsync(actor, company.Id, ReviewData.HeadquartersId, default);
        var afterMove = await _host.Review.QueueAsync(ReviewTestHost.ReviewerFor(supervisor), new(), default);
        var units = await _host.Units.ListAsync(default);

        Assert.Equal([session.SessionId], queue.Items.Select(i => i.SessionId));
        Assert.Contains("Alpha Company", cycle.Message, StringComparison.Ordinal);
        Assert.Empty(afterMove.Items);
        Assert.Equal(["Headquarters", "1st Intelligence Battalion", "Alpha Company"], units.Select(u => u.Name));
        Assert.Equal([0, 1, 1], units.Select(u => u.Depth));
        Assert.Single(await _host.AuditAsync(ReviewAuditActions.UnitCreated));
        Assert.Single(await _host.AuditAsync(ReviewAuditActions.UnitParentChanged));
    }
}
