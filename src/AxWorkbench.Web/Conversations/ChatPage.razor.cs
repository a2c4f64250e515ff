using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AxWorkbench.Web.Conversations;

/// <summary>The chat page's state and its calls to the services (its children only render and raise events).</summary>
public sealed partial class ChatPage
{

    [Parameter] public Guid? SessionId { get; set; }

    [Inject] private ILogger<ChatPage> Logger { get; set; } = default!;

    /// <summary>An action (a send, a branch switch...) still running after this long is logged, and again when it ends.</summary>
    internal static readonly TimeSpan SlowAction = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _cts = new();
    private readonly List<IDisposable> _cluster = [];
    private WorkbenchActor? _actor;
    private IReadOnlyList<SessionSummary> _sessions = [];
    private IReadOnlyDictionary<Guid, AxWorkbench.Core.Review.SessionViewed>? _views;
    private IReadOnlyList<Persona> _personas = [];
    private ConversationView? _view;
    private ActiveGeneration? _active;
    private string? _search;
    private bool _showArchived;
    private string? _error;
    private IReadOnlyList<LibrarySummary> _libraries = [];
    private IReadOnlyCollection<Guid> _sessionLibraries = [];
    private IReadOnlyDictionary<Guid, GroundedAnswerView> _grounded = new Dictionary<Guid, GroundedAnswerView>();
    private Task? _watchingElsewhere;
    private (string Text, Marking Marking)? _pending;

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentUser.GetActorAsync();
        _libraries = await Retrieval.ListSearchableAsync(_actor, _cts.Token);
        _personas = await Settings.ListPersonasAsync(false, _cts.Token);
        await LoadSessionsAsync();
        // A supervisor's view or an admin's persona change on any node shows here without a reload.
        _cluster.Add(Cluster.Subscribe(ClusterTopics.SessionViewed, e =>
        {
            if (e.Read<SessionViewedEvent>()?.OwnerName == _actor.Name)
            {
                _ = InvokeAsync(() => RefreshAsync(async () => _views = await Review.ViewsOfOwnSessionsAsync(_actor.UserId, _cts.Token)));
            }
        }));
        _cluster.Add(Cluster.Subscribe(ClusterTopics.ConversationSettingsChanged,
            e => _ = InvokeAsync(() => RefreshAsync(async () => _personas = await Settings.ListPersonasAsync(false, _cts.Token)))));
    }

    private async Task RefreshAsync(Func<Task> load)
    {
        try
        {
            await load();
            StateHasChanged();
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
        }
        catch (System.Data.Common.DbException)
        {
            // Shown at the next reload; the page keeps what it has.
        }
    }

    protected override async Task OnParametersSetAsync() => await LoadViewAsync();

    private async Task LoadSessionsAsync()
    {
        _sessions = await Conversations.ListSessionsAsync(_actor!, _search, _showArchived, _cts.Token);
        _views = await Review.ViewsOfOwnSessionsAsync(_actor!.UserId, _cts.Token);
    }

    /// <summary>Reads the open session; a refresh or reconnect attaches to the answer still generating, wherever it is.</summary>
    /// <remarks>
    /// Reading the same session again (an answer finished, a branch switched) keeps the conversation and the composer on
    /// screen until the new view is read, then swaps it in whole: blanking it first unmounted the composer mid-read, so
    /// a question typed meanwhile was lost (under load the read takes seconds). Another session is blanked first, so
    /// nothing typed can be sent into the one being left.
    /// </remarks>
    private async Task LoadViewAsync()
    {
        if (SessionId is not { } id)
        {
            (_view, _active) = (null, null);
            return;
        }

        if (_view?.Session.Id != id)
        {
            (_view, _active) = (null, null);
        }

        try
        {
            var view = await Conversations.GetConversationAsync(_actor!, id, _cts.Token);
            var libraries = await Grounded.GetLibrariesAsync(_actor!, id, _cts.Token);
            var grounded = await Grounded.GetAnswersAsync(view.Path.Select(p => p.Message), _cts.Token);
            (_view, _active, _sessionLibraries, _grounded) = (view, view.Active, libraries, grounded);
            WatchAnswerGeneratingElsewhere();
        }
        catch (Exception ex) when (ex is ConversationNotFoundException or MarkingNotPermittedException)
        {
            (_view, _active, _error) = (null, null, ex.Message);
        }
    }

    /// <summary>
    /// An answer shown as generating that this node is not running (another node streams it, or a node that died left
    /// it until its lease expires and a sweeper marks it interrupted): the view is read again every 2 s until it ends.
    /// </summary>
    private bool GeneratingElsewhere => _active is null && _view?.Path.Any(p => p.Message.Status == MessageStatus.Generating) == true;

    private void WatchAnswerGeneratingElsewhere()
    {
        if (!GeneratingElsewhere || _watchingElsewhere is { IsCompleted: false })
        {
            return;
        }

        _watchingElsewhere = InvokeAsync(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            try
            {
                while (await timer.WaitForNextTickAsync(_cts.Token) && GeneratingElsewhere)
                {
                    await RefreshAsync(LoadViewAsync);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>After a send, edit or regenerate: the turn carries the conversation and the live answer; nothing is read again.</summary>
    private async Task ShowAsync(TurnStarted turn)
    {
        (_view, _active) = (turn.View, turn.Generation);
        if (turn.Grounding is { } grounding)
        {
            _grounded = new Dictionary<Guid, GroundedAnswerView>(_grounded) { [grounding.AnswerId] = grounding };
        }

        await LoadSessionsAsync();
    }

    private Task NewSessionAsync() => RunAsync(async () =>
    {
        var session = await Conversations.CreateSessionAsync(_actor!, null, null, _cts.Token);
        await LoadSessionsAsync();
        Navigation.NavigateTo($"/chat/{session.Id}");
    });

    private Task SearchAsync(string? search) => RunAsync(() => { _search = search; return LoadSessionsAsync(); });

    private Task ToggleArchivedAsync() => RunAsync(() => { _showArchived = !_showArchived; return LoadSessionsAsync(); });

    private Task PinAsync((Guid Id, bool Pinned) change) => SessionChangeAsync(() => Conversations.SetPinnedAsync(_actor!, change.Id, change.Pinned, _cts.Token));

    private Task RenameAsync((Guid Id, string Title) change) => SessionChangeAsync(() => Conversations.RenameAsync(_actor!, change.Id, change.Title, _cts.Token));

    private Task ArchiveAsync((Guid Id, bool Archived) change) => SessionChangeAsync(() => Conversations.SetArchivedAsync(_actor!, change.Id, change.Archived, _cts.Token));

    private Task SetPersonaAsync(Guid? personaId) => SessionChangeAsync(() => Conversations.SetPersonaAsync(_actor!, _view!.Session.Id, personaId, _cts.Token));

    private Task DeleteAsync(Guid id) => RunAsync(async () =>
    {
        await Conversations.DeleteAsync(_actor!, id, _cts.Token);
        await LoadSessionsAsync();
        if (SessionId == id)
        {
            Navigation.NavigateTo("/chat");
        }
    });

    private Task SessionChangeAsync(Func<Task> change) => RunAsync(async () =>
    {
        await change();
        await LoadSessionsAsync();
        await LoadViewAsync();
    });

    /// <summary>
    /// The turn shows at once as pending, then as saved; its save waits on retrieval (a grounded turn), the audit record
    /// and the database, which under load take seconds: the analyst sees it was sent rather than nothing at all.
    /// </summary>
    private Task<bool> SendAsync((string Text, Marking Marking, SamplingRequest Sampling) turn) => RunAsync(async () =>
    {
        _pending = (turn.Text, turn.Marking);
        StateHasChanged();
        // Let the key's event finish so the render goes out now, before the save (which may block its thread on SQLite).
        await Task.Yield();
        try
        {
            await ShowAsync(await Turns.SendAsync(_actor!, _view!.Session.Id, turn.Text, turn.Marking, turn.Sampling, _cts.Token));
        }
        finally
        {
            _pending = null;
        }
    });

    private Task RegenerateAsync(Guid answerId) => RunAsync(async () => await ShowAsync(await Turns.RegenerateAsync(_actor!, answerId, null, _cts.Token)));

    private Task EditAsync((Guid MessageId, string Text) edit) => RunAsync(async () =>
        await ShowAsync(await Turns.EditAsync(_actor!, edit.MessageId, edit.Text, null, null, _cts.Token)));

    private Task StopAsync(Guid answerId) => RunAsync(() => Turns.StopAsync(_actor!, answerId, _cts.Token));

    private Task SetLibrariesAsync(IReadOnlyCollection<Guid> libraries) => RunAsync(async () =>
        _sessionLibraries = await Grounded.SetLibrariesAsync(_actor!, _view!.Session.Id, libraries, _cts.Token));

    private Task SwitchBranchAsync(Guid messageId) => RunAsync(async () =>
    {
        await Conversations.SelectBranchAsync(_actor!, _view!.Session.Id, messageId, _cts.Token);
        await LoadViewAsync();
    });

    private async Task CopyAsync(string text)
    {
        await using var module = await JS.InvokeAsync<IJSObjectReference>("import", _cts.Token, "/js/chat.js");
        await module.InvokeAsync<bool>("copyText", _cts.Token, text);
    }

    private Task OnGenerationFinishedAsync() => InvokeAsync(async () =>
    {
        await LoadViewAsync();
        await LoadSessionsAsync();
        StateHasChanged();
    });

    private async Task<bool> RunAsync(Func<Task> action, [CallerMemberName] string name = "")
    {
        // Under load an action can wait long for the database, the embedder or the audit chain, with nothing on screen:
        // the log says which action, for whom, and for how long.
        var watch = Stopwatch.StartNew();
        using var slow = new CancellationTokenSource();
        _ = Task.Delay(SlowAction, slow.Token).ContinueWith(
            _ => LogStillRunning(Logger, name, _actor?.Name, SlowAction.TotalSeconds),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        try
        {
            _error = null;
            // Each action as the user is now (roles and clearance revalidated, on any node's change), not as at page load.
            _actor = await CurrentUser.GetActorAsync();
            await action();
            return true;
        }
        catch (Exception ex) when (ex is ConversationLimitException or MarkingNotPermittedException or ConversationNotFoundException or ConversationOperationException
                                       or AxWorkbench.Core.Inference.ModelUnavailableException or AxWorkbench.Core.Inference.EngineBusyException
                                       or AuditUnavailableException or AxWorkbench.Core.Data.StorageFullException or AxWorkbench.Core.Data.DatabaseUnavailableException)
        {
            _error = ex.Message;
            return false;
        }
        catch (Exception ex) when (Database.Unreachable(ex) is { } unreachable)
        {
            // Any action (sessions, libraries, settings) while the database is away: which database, why, nothing saved.
            _error = unreachable.Message;
            return false;
        }
        finally
        {
            await slow.CancelAsync();
            if (watch.Elapsed > SlowAction)
            {
                LogSlow(Logger, name, _actor?.Name, watch.Elapsed.TotalSeconds);
            }

            // Also reached through the composer's plain delegate, which does not re-render this page by itself.
            StateHasChanged();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat action {Action} for {User} still running after {Seconds} s")]
    private static partial void LogStillRunning(ILogger logger, string action, string? user, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat action {Action} for {User} took {Seconds:F1} s")]
    private static partial void LogSlow(ILogger logger, string action, string? user, double seconds);

    public async ValueTask DisposeAsync()
    {
        _cluster.ForEach(s => s.Dispose());
        await _cts.CancelAsync();
        _cts.Dispose();
    }
}
