using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Web.Documents;

/// <summary>
/// The summaries of one open document and the live progress of its running jobs. Jobs run on background threads and
/// outlive the reader; <see cref="Updated"/> tells the reader (from a job's thread) that one of this document's jobs moved.
/// </summary>
public sealed class DocumentSummaries : IDisposable
{
    private readonly DocumentJobs _jobs;
    private readonly Guid _documentId;
    private readonly UserAuthorization _user;
    private readonly Dictionary<Guid, SummaryJobUpdate> _live = [];

    public DocumentSummaries(DocumentJobs jobs, Guid documentId, UserAuthorization user)
    {
        _jobs = jobs;
        _documentId = documentId;
        _user = user;
        _jobs.SummaryChanged += OnSummaryChanged;
    }

    public event Action<SummaryJobUpdate>? Updated;

    public IReadOnlyList<SummaryRecord> Records { get; private set; } = [];

    public IReadOnlyDictionary<Guid, SummaryJobUpdate> Live => _live;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        Records = await _jobs.ListSummariesAsync(_documentId, _user, cancellationToken);
        _live.Clear();
        foreach (var summary in Records.Where(s => s.IsActive))
        {
            if (_jobs.Progress(summary.Id) is { } live)
            {
                _live[summary.Id] = live;
            }
        }
    }

    /// <summary>Takes in an update (on the reader's renderer); a new or finished job re-reads the list.</summary>
    public async Task ApplyAsync(SummaryJobUpdate update, CancellationToken cancellationToken)
    {
        var known = Records.Any(s => s.Id == update.SummaryId);
        _live[update.SummaryId] = update;
        if (!known || update.Status is not (SummaryStatus.Queued or SummaryStatus.Running))
        {
            await LoadAsync(cancellationToken);
        }
    }

    /// <summary>Starts a summary; not tied to the reader: the job keeps running when it is closed.</summary>
    public async Task StartAsync(SummaryMode mode, string userName, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        await _jobs.StartSummaryAsync(_documentId, mode, _user, userName, actor, CancellationToken.None);
        await LoadAsync(cancellationToken);
    }

    public async Task ResumeAsync(Guid summaryId, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        await _jobs.ResumeAsync(summaryId, _user, actor, CancellationToken.None);
        await LoadAsync(cancellationToken);
    }

    /// <summary>Asks the summary to stop, on whichever node runs it.</summary>
    public Task CancelAsync(Guid summaryId, string cancelledBy) => _jobs.CancelAsync(summaryId, cancelledBy);

    private void OnSummaryChanged(SummaryJobUpdate update)
    {
        if (update.DocumentId == _documentId)
        {
            Updated?.Invoke(update);
        }
    }

    public void Dispose() => _jobs.SummaryChanged -= OnSummaryChanged;
}
