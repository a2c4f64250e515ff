using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Review;
using AxWorkbench.Core.Tests.Conversations;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Review;

/// <summary>
/// Review over a real SQLite file in a temp folder: users in the identity tables, sessions and messages written straight
/// into the chat tables (the model is not what these tests are about), the real audit log.
/// </summary>
public sealed class ReviewTestHost : IAsyncDisposable
{
    private readonly string _directory;

    private ReviewTestHost(IHost host, string directory)
    {
        Host = host;
        _directory = directory;
    }

    /// <summary>The database provider (SQLite file in the folder, or a PostgreSQL database named after it).</summary>
    public DbProvider Provider { get; private init; }

    public IHost Host { get; }

    public ReviewService Review => Host.Services.GetRequiredService<ReviewService>();

    public UnitDirectory Units => Host.Services.GetRequiredService<UnitDirectory>();

    public ConversationService Conversations => Host.Services.GetRequiredService<ConversationService>();

    public static async Task<ReviewTestHost> StartAsync(DbProvider provider = DbProvider.Sqlite)
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-review-tests", Guid.NewGuid().ToString("N"));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Markings:Scheme"] = "Us",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.Services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(new ScriptedChatClient());
        builder.Services.AddSingleton(Inference.TestTokenCounters.Estimating());
        builder.Services.AddSingleton<Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>>(new Retrieval.HashingEmbedder());
        builder.AddDocuments();
        builder.AddRetrieval();
        builder.AddConversations();
        builder.AddReview();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        return new ReviewTestHost(host, directory) { Provider = provider };
    }

    public async Task<WorkbenchUser> AddUserAsync(string userName, string unit, ClassificationLevel clearance, params string[] caveats)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchIdentityDbContext>>().CreateDbContextAsync();
        var user = new WorkbenchUser
        {
            UserName = userName, NormalizedUserName = userName.ToUpperInvariant(), DisplayName = userName, Unit = unit, Clearance = clearance,
            CaveatAuthorizations = string.Join(' ', caveats),
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user;
    }

    public static WorkbenchActor ReviewerFor(WorkbenchUser user) => new(user.Id, user.UserName!, [Roles.Supervisor], user.ToAuthorization(), user.Unit, "127.0.0.1");

    public static WorkbenchActor ActorFor(WorkbenchUser user) => new(user.Id, user.UserName!, [Roles.Analyst], user.ToAuthorization(), user.Unit);

    /// <summary>A session with a user turn and an answer (and optionally a second answer: a branch), all at <paramref name="marking"/>.</summary>
    public async Task<(Guid SessionId, Guid UserTurn, Guid Answer)> AddSessionAsync(WorkbenchUser owner, string title, Marking marking, string text = "Where is the convoy?", DateTime? at = null, bool branch = false)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var now = at ?? DateTime.UtcNow;
        var session = new ChatSession { Id = Guid.CreateVersion7(), OwnerId = owner.Id, Title = title, CreatedAt = now, UpdatedAt = now, Marking = marking };
        var turn = new ChatMessageRecord { Id = Guid.CreateVersion7(), SessionId = session.Id, Sequence = 1, Role = MessageRole.User, Content = text, Status = MessageStatus.Complete, Marking = marking, AuthorId = owner.Id, CreatedAt = now, UpdatedAt = now };
        var answer = new ChatMessageRecord
        {
            Id = Guid.CreateVersion7(), SessionId = session.Id, ParentId = turn.Id, Sequence = 2, Role = MessageRole.Assistant, Content = "North of the river.",
            Status = MessageStatus.Complete, Marking = marking, ModelName = "fixture", Temperature = 0.7f, TopP = 0.9f, MaxTokens = 256, Seed = 42, CreatedAt = now, UpdatedAt = now,
        };
        db.Sessions.Add(session);
        db.Messages.AddRange(turn, answer);
        session.SelectedLeafId = answer.Id;
        if (branch)
        {
            db.Messages.Add(new ChatMessageRecord
            {
                Id = Guid.CreateVersion7(), SessionId = session.Id, ParentId = turn.Id, Sequence = 3, Role = MessageRole.Assistant, Content = "South of the ridge.",
                Status = MessageStatus.Complete, Marking = marking, ModelName = "fixture", Temperature = 1.0f, TopP = 0.9f, MaxTokens = 256, Seed = 7, CreatedAt = now, UpdatedAt = now,
            });
        }

        await db.SaveChangesAsync();
        return (session.Id, turn.Id, answer.Id);
    }

    public async Task<List<AuditRecord>> AuditAsync(string action)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.AuditRecords.AsNoTracking().Where(r => r.Action == action).OrderBy(r => r.Sequence).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Host.Services.GetRequiredService<AuditLog>().DisposeAsync();
        Host.Dispose();
        TestDatabase.ClearPools();
        try
        {
            await TestDatabase.DropAsync(Provider, _directory);
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
