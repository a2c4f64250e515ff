using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Threading.Channels;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Review;
using AxWorkbench.Web.Conversations;
using AxWorkbench.Web.Identity;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Conversations;

/// <summary>
/// The chat page over the real conversation services (SQLite file) with a scripted model: these tests are about what the
/// page does with a turn (shows it, attaches to the stream, shows the end), not about the model.
/// </summary>
public sealed class ChatPageTests : WorkbenchTestContext, IAsyncLifetime
{
    private static readonly WorkbenchActor Analyst = new("analyst-id", "analyst", [Roles.Analyst], new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>(), "USA"), "1-BDE");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-web-tests", Guid.NewGuid().ToString("N"));
    private readonly PieceByPieceChatClient _model = new();
    private readonly PromptGate _promptAudit = new();
    private IHost _host = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = _directory,
            ["Retrieval:Embedder"] = "None",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.Services.AddSingleton<IChatClient>(_model);
        // No model loaded: the product's counter gives its conservative estimate.
        var inference = Microsoft.Extensions.Options.Options.Create(new InferenceOptions());
        builder.Services.AddSingleton<ITokenCounter>(new ModelTokenCounter(new InferenceEngine(inference), inference));
        builder.AddRetrieval();
        // The real audit (hash-chained log), with a gate a test can close to hold a turn before it is saved.
        builder.Services.AddSingleton<IConversationAudit>(sp => new HeldPromptAudit(new AuditLogConversationAudit(sp.GetRequiredService<AxWorkbench.Core.Audit.IAuditLog>()), _promptAudit));
        builder.AddConversations();
        builder.AddReview();
        _host = builder.Build();
        await _host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        foreach (var type in new[] { typeof(ConversationService), typeof(ConversationTurns), typeof(ChatSettings), typeof(GroundedAnswers), typeof(RetrievalService), typeof(ReviewService), typeof(ModelOutputRenderer), typeof(DatabaseInitializer) })
        {
            Services.AddSingleton(type, _host.Services.GetRequiredService(type));
        }

        Services.AddSingleton<IModelStatus>(new NoModel());
        Services.AddScoped<CurrentUser>();
        AddAuthorization().SetAuthorized(Analyst.Name).SetRoles(Roles.Analyst).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, Analyst.UserId),
            new Claim(WorkbenchClaims.Unit, Analyst.Unit),
            new Claim(WorkbenchClaims.Clearance, ((int)ClassificationLevel.Secret).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        SetRendererInfo(new RendererInfo("Server", true));
    }

    /// <summary>Generous: the page waits on a real database and a background generation (slow on a busy machine).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private ConversationService Conversations => _host.Services.GetRequiredService<ConversationService>();

    /// <summary>Opens a new session's page, sends <paramref name="question"/> and returns the page and the model's stream for it.</summary>
    private async Task<(IRenderedComponent<ChatPage> Page, ChannelWriter<string> Writer)> OpenAndSendAsync(string question)
    {
        var session = await Conversations.CreateSessionAsync(Analyst, null, null, default);
        var cut = Render<ChatPage>(p => p.Add(c => c.SessionId, session.Id));
        cut.WaitForElement("[data-testid=composer]", Patience);
        cut.Find("[data-testid=chat-input]").Input(question);
        cut.Find("[data-testid=send]").Click();
        return (cut, await _model.NextCallAsync());
    }

    [Fact]
    public async Task Send_ShowsTheTurnAndAttachesToTheStream_ThenShowsTheFinishedAnswer()
    {
        var (cut, writer) = await OpenAndSendAsync("Where is the convoy?");
        cut.WaitForAssertion(() => Assert.Equal("Where is the convoy?", cut.Find("[data-testid=user-text]").TextContent), Patience);
        cut.WaitForElement("[data-testid=stop]", Patience);
        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled")), Patience);

        await writer.WriteAsync("At the **bridge**.");
        cut.WaitForAssertion(() => Assert.Contains("<strong>bridge</strong>", cut.Find(".ax-streaming [data-testid=model-output]").InnerHtml, StringComparison.Ordinal), Patience);
        writer.Complete();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".ax-streaming")), Patience);
        Assert.Contains("<strong>bridge</strong>", cut.FindAll("[data-testid=model-output]")[^1].InnerHtml, StringComparison.Ordinal);
        Assert.Equal("Where is the convoy?", cut.Find("[data-testid=session-title]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=session-item]"));
    }

    [Fact]
    public async Task AQuestionTypedWhileTheAnswerStreams_StaysInTheBoxWhenTheAnswerFinishes_AndIsSent()
    {
        var (cut, writer) = await OpenAndSendAsync("Where is the convoy?");
        cut.WaitForElement("[data-testid=stop]", Patience);

        // The analyst types the next question while the answer still streams, then it ends (the page reads the
        // session again): the conversation and the composer stay mounted through that read, so the text stays.
        // (On this SQLite file the read completes synchronously, so the blank render the page used to make during it
        // happened only on PostgreSQL, whose reads yield: this guards the behaviour, it did not catch that case.)
        // Find and type in one turn of the renderer: the page re-renders while the answer starts (a render between the
        // two leaves the found element's handler stale).
        await cut.InvokeAsync(() => cut.Find("[data-testid=chat-input]").Input("And the escort?"));
        await writer.WriteAsync("At the bridge.");
        writer.Complete();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".ax-streaming")), Patience);
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=send]").HasAttribute("disabled")), Patience);

        Assert.Equal("And the escort?", cut.Find("[data-testid=chat-input]").GetAttribute("value"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=send]").Click());
        await _model.NextCallAsync();
        cut.WaitForAssertion(() => Assert.Equal(["Where is the convoy?", "And the escort?"], cut.FindAll("[data-testid=user-text]").Select(e => e.TextContent)), Patience);
    }

    [Fact]
    public async Task ASentTurn_ShowsAtOnceAsPending_UntilItIsSaved()
    {
        // Under load a turn's save waits (retrieval, the audit chain, the database) for seconds: the page must show at
        // once that it was sent, not nothing. Here the prompt's audit record is held, so the turn cannot be saved yet.
        var session = await Conversations.CreateSessionAsync(Analyst, null, null, default);
        var cut = Render<ChatPage>(p => p.Add(c => c.SessionId, session.Id));
        cut.WaitForElement("[data-testid=composer]", Patience);
        var release = _promptAudit.Close();

        cut.Find("[data-testid=chat-input]").Input("Where is the convoy?");
        cut.Find("[data-testid=chat-input]").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });

        cut.WaitForAssertion(() => Assert.Equal("Where is the convoy?", cut.Find("[data-testid=pending-turn] .ax-user-text").TextContent), Patience);
        Assert.Equal("sending: not saved yet", cut.Find("[data-testid=pending-status]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=message]"));
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"));
        Assert.Empty(_model.Prompts);

        release();
        await _model.NextCallAsync();
        cut.WaitForAssertion(() => Assert.Equal("Where is the convoy?", cut.Find("[data-testid=user-text]").TextContent), Patience);
        Assert.Empty(cut.FindAll("[data-testid=pending-turn]"));
        // The box clears once the send returns to the composer, a moment after the turn shows.
        cut.WaitForAssertion(() => Assert.Equal("", cut.Find("[data-testid=chat-input]").GetAttribute("value") ?? ""), Patience);
    }

    [Fact]
    public async Task SomeoneElsesSession_ShowsTheNotFoundMessage_AndNoConversation()
    {
        var other = Analyst with { UserId = "other-id", Name = "other" };
        var session = await Conversations.CreateSessionAsync(other, "Not yours", null, default);

        var cut = Render<ChatPage>(p => p.Add(c => c.SessionId, session.Id));

        cut.WaitForElement("[data-testid=chat-error]", Patience);
        Assert.NotNull(cut.Find("[data-testid=chat-empty]"));
        Assert.Empty(cut.FindAll("[data-testid=composer]"));
    }

    [Fact]
    public void NewSession_IsCreatedListedAndOpened()
    {
        var cut = Render<ChatPage>();
        cut.WaitForElement("[data-testid=chat-empty]", Patience);

        cut.Find("[data-testid=new-session]").Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=session-item]")), Patience);
        var id = cut.Find("[data-testid=session-item]").GetAttribute("data-session-id");
        Assert.EndsWith($"/chat/{id}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APromptAboveTheSessionLimit_IsRefusedWithTheReason_AndTheTextStaysInTheBox()
    {
        var session = await Conversations.CreateSessionAsync(Analyst, null, null, default);
        var cut = Render<ChatPage>(p => p.Add(c => c.SessionId, session.Id));
        cut.WaitForElement("[data-testid=composer]", Patience);
        var tooLong = new string('x', new ConversationOptions().MaxPromptCharacters + 1);

        cut.Find("[data-testid=chat-input]").Input(tooLong);
        cut.Find("[data-testid=send]").Click();

        cut.WaitForAssertion(() => Assert.Contains("characters", cut.Find("[data-testid=chat-error]").TextContent, StringComparison.Ordinal), Patience);
        Assert.Equal(tooLong, cut.Find("[data-testid=chat-input]").GetAttribute("value"));
        Assert.Empty(_model.Prompts);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _host.Services.GetRequiredService<GenerationCoordinator>().StopAllAsync(CancellationToken.None);
        await DisposeAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }

    private sealed class NoModel : IModelStatus
    {
        public ModelState State => ModelState.NotLoaded;

        public string? Error => null;

        public ModelInfo? Info => null;

        public EngineMetrics Metrics => EngineMetrics.Empty;

        public double LoadProgress => 0;
    }
}

/// <summary>Open unless a test closes it; <see cref="Close"/> returns what opens it again.</summary>
internal sealed class PromptGate
{
    private volatile TaskCompletionSource? _held;

    public Action Close()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held = held;
        return () =>
        {
            _held = null;
            held.TrySetResult();
        };
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _held?.Task.WaitAsync(cancellationToken) ?? Task.CompletedTask;
}

/// <summary>The real conversation audit, whose prompt record waits while the gate is closed.</summary>
internal sealed class HeldPromptAudit(IConversationAudit inner, PromptGate gate) : IConversationAudit
{
    public async Task PromptSubmittedAsync(PromptAuditEvent e, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        await inner.PromptSubmittedAsync(e, cancellationToken);
    }

    public Task GenerationEndedAsync(GenerationAuditEvent e, CancellationToken cancellationToken) => inner.GenerationEndedAsync(e, cancellationToken);

    public Task SessionChangedAsync(SessionAuditEvent e, CancellationToken cancellationToken) => inner.SessionChangedAsync(e, cancellationToken);

    public Task AccessDeniedAsync(SessionAuditEvent e, CancellationToken cancellationToken) => inner.AccessDeniedAsync(e, cancellationToken);
}

/// <summary>A model whose pieces the test writes, one call at a time (the page is under test, not the model).</summary>
internal sealed class PieceByPieceChatClient : IChatClient
{
    private readonly Channel<Channel<string>> _calls = Channel.CreateUnbounded<Channel<string>>();

    public List<IReadOnlyList<ChatMessage>> Prompts { get; } = [];

    public async Task<ChannelWriter<string>> NextCallAsync() => (await _calls.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Writer;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Chat streams.");

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (Prompts)
        {
            Prompts.Add([.. messages]);
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
