using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Conversations;

/// <summary>
/// The chat feature over a real SQLite file in a temp folder, with either the real fixture GGUF (through the real engine
/// and LocalChatClient) or a scripted IChatClient for tests about timing (flush cadence, stop, caps).
/// </summary>
public sealed class ConversationTestHost : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private ConversationTestHost(IHost host, string directory, bool ownsDirectory)
    {
        Host = host;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
    }

    /// <summary>The database provider (SQLite file in the folder, or a PostgreSQL database named after it).</summary>
    public DbProvider Provider { get; private init; }

    public IHost Host { get; }

    public string Directory { get; }

    public ConversationService Service => Host.Services.GetRequiredService<ConversationService>();

    public ConversationTurns Turns => Host.Services.GetRequiredService<ConversationTurns>();

    public ChatSettings Settings => Host.Services.GetRequiredService<ChatSettings>();

    public GenerationCoordinator Coordinator => Host.Services.GetRequiredService<GenerationCoordinator>();

    public static WorkbenchActor Analyst(string id = "analyst-1", ClassificationLevel clearance = ClassificationLevel.Secret, params string[] caveats) =>
        new(id, id, [Roles.Analyst], new UserAuthorization(clearance, caveats.ToHashSet(), "USA"));

    public static WorkbenchActor Admin(string id = "admin-1") =>
        new(id, id, [Roles.Admin], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>(), "USA"));

    /// <param name="chatClient">Null: the real fixture model (loaded here).</param>
    /// <param name="directory">An existing data folder to reopen (a "restart").</param>
    public static async Task<ConversationTestHost> StartAsync(IChatClient? chatClient = null, Dictionary<string, string?>? settings = null, string? directory = null, bool startHostedServices = false, DbProvider provider = DbProvider.Sqlite)
    {
        var ownsDirectory = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "axwb-chat-tests", Guid.NewGuid().ToString("N"));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Markings:Scheme"] = "Us",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Inference:FixtureDirectory"] = Path.Combine(directory, "models"),
            ["Inference:FixtureSize"] = "small",
            ["Inference:ContextSize"] = "512",
            ["Inference:Threads"] = "2",
            ["Inference:BatchSize"] = "256",
            ["Inference:UBatchSize"] = "256",
            ["Retrieval:Embedder"] = "None",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddWorkbenchData();
        builder.AddMarkings();
        if (chatClient is null)
        {
            builder.AddInference();
        }
        else
        {
            builder.Services.AddSingleton(chatClient);
            builder.Services.AddSingleton(Inference.TestTokenCounters.Estimating(2048));
        }

        builder.AddRetrieval();
        builder.AddConversations();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        if (chatClient is null)
        {
            var engine = host.Services.GetRequiredService<InferenceEngine>();
            await engine.LoadAsync();
            Assert.Equal(ModelState.Ready, engine.State);
        }

        if (startHostedServices)
        {
            foreach (var service in host.Services.GetServices<IHostedService>().Where(s => s.GetType().Name is "ConversationsLifetimeService" or nameof(GenerationLeaseSweeper)))
            {
                await service.StartAsync(CancellationToken.None);
            }
        }

        return new ConversationTestHost(host, directory, ownsDirectory) { Provider = provider };
    }

    public async Task<ChatMessageRecord> MessageAsync(Guid id)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    public async Task<T> DbAsync<T>(Func<WorkbenchDbContext, Task<T>> action)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await action(db);
    }

    /// <summary>Waits until the answer has left Generating and its final state is written.</summary>
    public async Task<ChatMessageRecord> FinishedAsync(Guid answerId, TimeSpan? timeout = null)
    {
        if (Coordinator.Find(answerId) is { } active)
        {
            await active.Completion.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }

        return await MessageAsync(answerId);
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Coordinator.StopAllAsync(CancellationToken.None);
        if (Host.Services.GetService<InferenceEngine>() is { } engine)
        {
            engine.Dispose();
        }

        Host.Dispose();
        TestDatabase.ClearPools();
        if (_ownsDirectory)
        {
            try
            {
                await TestDatabase.DropAsync(Provider, Directory);
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>An IChatClient whose pieces the test writes (for timing tests that are not about the model).</summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Channel<Channel<string>> _calls = Channel.CreateUnbounded<Channel<string>>();

    public List<IReadOnlyList<ChatMessage>> Prompts { get; } = [];

    /// <summary>Runs on each call before anything streams (e.g. to look at the database).</summary>
    public Func<Task>? OnCall { get; set; }

    /// <summary>The next call's piece writer (complete it to end the answer).</summary>
    public async Task<ChannelWriter<string>> NextCallAsync() => (await _calls.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Writer;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (Prompts)
        {
            Prompts.Add([.. messages]);
        }

        if (OnCall is { } onCall)
        {
            await onCall();
        }

        var pieces = Channel.CreateUnbounded<string>();
        await _calls.Writer.WriteAsync(pieces, cancellationToken);
        await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken))
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
        }

        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
