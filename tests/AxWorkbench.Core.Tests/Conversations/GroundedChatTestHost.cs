using AxWorkbench.Core.Documents.Parsing;
using System.Runtime.CompilerServices;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Data;
using AxWorkbench.Core.Tests.Retrieval;
using DocumentPage = AxWorkbench.Core.Documents.DocumentPage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Conversations;

/// <summary>
/// Documents, retrieval, conversations and grounded chat over one real SQLite file and a real on-disk index in a temp
/// folder; the model is a scripted streaming <see cref="IChatClient"/> (these tests are about what reaches the prompt
/// and what is stored, not about the model). Documents are stored as parsed pages directly (parsing has its own tests).
/// </summary>
public sealed class GroundedChatTestHost : IAsyncDisposable
{
    private GroundedChatTestHost(IHost host, string directory, StreamingScriptedChatClient model)
    {
        Host = host;
        Directory = directory;
        Model = model;
    }

    /// <summary>The database provider (SQLite file in the folder, or a PostgreSQL database named after it).</summary>
    public DbProvider Provider { get; private init; }

    public IHost Host { get; }

    public string Directory { get; }

    public StreamingScriptedChatClient Model { get; }

    public GroundedAnswers Grounded => Host.Services.GetRequiredService<GroundedAnswers>();

    public ConversationTurns Turns => Host.Services.GetRequiredService<ConversationTurns>();

    public LibraryIndexing Indexing => Host.Services.GetRequiredService<LibraryIndexing>();

    public RetrievalService Retrieval => Host.Services.GetRequiredService<RetrievalService>();

    public ConversationService Conversations => Host.Services.GetRequiredService<ConversationService>();

    public GenerationCoordinator Coordinator => Host.Services.GetRequiredService<GenerationCoordinator>();

    /// <summary>Starts the host; <paramref name="configure"/> runs last (to change settings or replace the model and its token counter).</summary>
    public static async Task<GroundedChatTestHost> StartAsync(Func<IReadOnlyList<ChatMessage>, string>? answer = null, Action<HostApplicationBuilder>? configure = null, DbProvider provider = DbProvider.Sqlite)
    {
        var directory = Path.Combine(Path.GetTempPath(), "axwb-tests", Guid.NewGuid().ToString("N"));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = directory,
            ["Markings:Scheme"] = "Us",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Retrieval:ChunkWords"] = "60",
            ["Retrieval:OverlapWords"] = "10",
        });
        builder.Configuration.AddInMemoryCollection(await TestDatabase.SettingsAsync(provider, directory));
        var model = new StreamingScriptedChatClient(answer ?? (_ => "An answer without citations."));
        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbedder());
        builder.Services.AddSingleton<IChatClient>(model);
        builder.Services.AddSingleton(Inference.TestTokenCounters.Estimating());
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddDocuments();
        builder.AddRetrieval();
        builder.AddConversations();
        configure?.Invoke(builder);
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await host.Services.GetRequiredService<RetrievalIndexHost>().StartAsync(CancellationToken.None);
        await host.Services.GetServices<IHostedService>().OfType<EmbeddingWorker>().Single().StartAsync(CancellationToken.None);
        return new GroundedChatTestHost(host, directory, model) { Provider = provider };
    }

    /// <summary>Files a stored document in a library and waits until the embedding worker has given it its vectors.</summary>
    public async Task AddToLibraryAsync(Guid libraryId, Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        await Indexing.AddToLibraryAsync(libraryId, documentId, actor, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await Retrieval.WhenIndexedAsync(documentId, timeout.Token);
    }

    /// <summary>A parsed, ready document stored as the Documents feature stores one.</summary>
    public Task<Guid> StoreDocumentAsync(string fileName, Marking marking, params string[] pages) =>
        StoreDocumentAsync(fileName, marking, [.. pages.Select(text => (text, (double?)null))]);

    /// <summary>A stored, parsed document whose pages with a confidence were read by OCR (the parse itself is tested with real scans in Documents).</summary>
    public async Task<Guid> StoreDocumentAsync(string fileName, Marking marking, (string Text, double? OcrConfidence)[] pages)
    {
        var id = Guid.NewGuid();
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        db.Documents.Add(new DocumentRecord
        {
            Id = id,
            FileName = fileName,
            Sha256 = new string('0', 64),
            Marking = MarkingStorage.ToStorage(marking),
            Status = DocumentStatus.Ready,
            Uploader = "admin",
            PageCount = pages.Length,
            CreatedAt = DateTimeOffset.UtcNow,
            Pages = [.. pages.Select((p, i) => new DocumentPage
            {
                DocumentId = id, Number = i + 1, Text = p.Text, Source = p.OcrConfidence is null ? PageSource.Text : PageSource.Ocr, Confidence = p.OcrConfidence,
            })],
        });
        await db.SaveChangesAsync();
        return id;
    }

    public static WorkbenchActor Admin { get; } = new("admin-id", "admin", [Roles.Admin], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>(), "USA"), "HQ");

    public static WorkbenchActor Analyst(string id, ClassificationLevel clearance, string unit = "J2") =>
        new(id, id, [Roles.Analyst], new UserAuthorization(clearance, new HashSet<string>(), "USA"), unit);

    public async Task<ChatMessageRecord> FinishedAsync(Guid answerId)
    {
        if (Coordinator.Find(answerId) is { } active)
        {
            await active.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.Id == answerId);
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.StopAllAsync(CancellationToken.None);
        await Host.Services.GetServices<IHostedService>().OfType<EmbeddingWorker>().Single().StopAsync(CancellationToken.None);
        await Host.Services.GetRequiredService<RetrievalIndexHost>().StopAsync(CancellationToken.None);
        Host.Dispose();
        TestDatabase.ClearPools();
        try
        {
            await TestDatabase.DropAsync(Provider, Directory);
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }
}

/// <summary>Streams a scripted answer (a function of the prompt) in small pieces and records every prompt.</summary>
public sealed class StreamingScriptedChatClient(Func<IReadOnlyList<ChatMessage>, string> answer) : IChatClient
{
    public List<IReadOnlyList<ChatMessage>> Calls { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Chat streams.");

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Calls)
        {
            Calls.Add(list);
        }

        var text = answer(list);
        for (var i = 0; i < text.Length; i += 8)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, text.Substring(i, Math.Min(8, text.Length - i)));
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
