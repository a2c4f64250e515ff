using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Admission: the fair queue in front of the engine's slots and the slots themselves. Submitters enqueue from any
/// thread (a full queue answers <see cref="EngineBusyException"/>); between decode steps the loop drops cancelled
/// waiters and admits waiting requests to free slots, parking background work when a higher-priority request finds
/// every slot taken. Waiters hear their queue position whenever it changes.
/// </summary>
internal sealed partial class RequestScheduler(int slots, int maxQueueLength, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly FairQueue<Sequence> _queue = new(maxQueueLength);
    private int _active;
    private long _rejected;
    private long _completed;

    /// <summary>Slot i holds the sequence decoding as KV sequence i. Written under the lock; the loop reads it freely.</summary>
    public Sequence?[] Slots { get; } = new Sequence?[slots];

    public int QueueDepth
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public int ActiveCount => Volatile.Read(ref _active);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Nothing generating and nothing waiting.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_lock)
            {
                return _active == 0 && _queue.Count == 0;
            }
        }
    }

    /// <exception cref="EngineBusyException">The queue is full.</exception>
    public void Enqueue(Sequence sequence, Action onRejected)
    {
        lock (_lock)
        {
            if (!_queue.TryEnqueue(sequence, Slots.Length - _active, out var waiting))
            {
                _rejected++;
                onRejected();
                LogBusy(logger, sequence.UserId, waiting);
                throw new EngineBusyException(waiting);
            }

            PublishPositionsLocked();
        }
    }

    /// <summary>Between steps: completes cancelled waiters, then fills free slots in admission order.</summary>
    /// <param name="start">Called for each admitted sequence once it has its slot; returns the position to continue from (prefix reuse).</param>
    public void Admit(ISequenceMemory memory, Func<Sequence, int> start)
    {
        lock (_lock)
        {
            var changed = _queue.RemoveAll(w =>
            {
                if (!w.CancelRequested)
                {
                    return false;
                }

                w.Output.Writer.TryWrite(new CompletedEvent(GenerationFinish.Cancelled, w.PromptTokens, w.Generated));
                w.Output.Writer.TryComplete();
                w.Dispose();
                return true;
            }) > 0;

            if (_queue.Count > 0)
            {
                foreach (var next in _queue.AdmissionOrder())
                {
                    var free = Array.IndexOf(Slots, null);
                    if (free < 0 && next.Priority < RequestPriority.Background)
                    {
                        free = ParkBackgroundLocked(memory);
                    }

                    if (free < 0)
                    {
                        break;
                    }

                    _queue.Admit(next);
                    next.SeqId = free;
                    Slots[free] = next;
                    next.Pos = start(next);
                    _active++;
                    changed = true;
                }
            }

            if (changed)
            {
                PublishPositionsLocked();
            }
        }
    }

    /// <summary>Frees the slot of a sequence that finished (its KV cells are already removed).</summary>
    public void Release(Sequence sequence)
    {
        lock (_lock)
        {
            Slots[sequence.SeqId] = null;
            _active--;
            _completed++;
        }
    }

    /// <summary>Completes every waiting request with <paramref name="reason"/> and empties the queue.</summary>
    public void FailWaiting(Exception reason, bool dispose)
    {
        lock (_lock)
        {
            foreach (var w in _queue.TakeAll())
            {
                w.Output.Writer.TryComplete(reason);
                if (dispose)
                {
                    w.Dispose();
                }
            }
        }
    }

    /// <summary>Parks the most recently admitted background sequence (its tokens are kept and re-evaluated when it resumes).</summary>
    private int ParkBackgroundLocked(ISequenceMemory memory)
    {
        var victim = Slots.OfType<Sequence>().Where(s => s.Priority == RequestPriority.Background).OrderByDescending(s => s.Arrival).FirstOrDefault();
        if (victim is null)
        {
            return -1;
        }

        var slot = victim.SeqId;
        memory.Remove(slot);
        Slots[slot] = null;
        _active--;
        victim.SeqId = -1;
        victim.Pos = 0;
        victim.Preempted = true;
        _queue.Requeue(victim);
        return slot;
    }

    private void PublishPositionsLocked()
    {
        foreach (var (s, position) in _queue.TakeChangedPositions())
        {
            s.Output.Writer.TryWrite(new QueuePositionEvent(position));
            try
            {
                s.Request.OnQueuePosition?.Invoke(position);
            }
#pragma warning disable CA1031 // a caller's callback must not break the scheduler
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogCallbackFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Busy: request from {UserId} rejected, {Waiting} waiting")]
    private static partial void LogBusy(ILogger logger, string userId, int waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A queue-position callback failed: {Reason}")]
    private static partial void LogCallbackFailed(ILogger logger, string reason);
}
