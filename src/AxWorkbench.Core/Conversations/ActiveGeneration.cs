using System.Text;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Markings;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Conversations;

/// <summary>What the coordinator needs to run one answer: its stored row, the prompt and the sampling it was given.</summary>
public sealed record GenerationJob(
    Guid AnswerId, Guid SessionId, WorkbenchActor Actor, IReadOnlyList<ChatMessage> Prompt,
    float Temperature, float TopP, int MaxTokens, long Seed, Marking Marking)
{
    public string UserId => Actor.UserId;
}

/// <summary>A generation in flight: its text so far and its queue position, for any circuit that watches it.</summary>
public sealed class ActiveGeneration
{
    private readonly StringBuilder _text = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int? _queuePosition;

    internal ActiveGeneration(GenerationJob job)
    {
        Job = job;
    }

    public GenerationJob Job { get; }

    public Guid AnswerId => Job.AnswerId;

    internal CancellationTokenSource Cancellation { get; } = new();

    internal bool ShuttingDown { get; set; }

    /// <summary>Serializes flushes of this answer (the periodic one and the every-N-pieces one).</summary>
    internal SemaphoreSlim FlushLock { get; } = new(1, 1);

    internal int FlushedLength { get; set; }

    /// <summary>When this node last extended the answer's lease (the row was written with one just before the start).</summary>
    internal DateTime LeaseRenewedAt { get; set; } = DateTime.UtcNow;

    /// <summary>Raised (on a background thread) after new text or a new queue position; watchers throttle their own rendering.</summary>
    public event Action? Changed;

    /// <summary>Completes after the final state is in the database.</summary>
    public Task Completion => _done.Task;

    public int Pieces { get; private set; }

    public int? QueuePosition
    {
        get { lock (_text) { return _queuePosition; } }
    }

    public string Text
    {
        get { lock (_text) { return _text.ToString(); } }
    }

    internal (string Text, int Length) Snapshot()
    {
        lock (_text)
        {
            return (_text.ToString(), _text.Length);
        }
    }

    internal void SetQueuePosition(int position)
    {
        lock (_text)
        {
            _queuePosition = position;
        }

        Changed?.Invoke();
    }

    internal void Append(string piece)
    {
        lock (_text)
        {
            _queuePosition = null;
            _text.Append(piece);
            Pieces++;
        }

        Changed?.Invoke();
    }

    internal void Finish()
    {
        _done.TrySetResult();
        Changed?.Invoke();
    }
}
