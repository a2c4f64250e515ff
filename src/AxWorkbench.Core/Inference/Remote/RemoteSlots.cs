using System.Threading.Channels;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// The node's limit on concurrent calls to the remote server: at most <c>slots</c> run; the rest wait in the same
/// <see cref="FairQueue{T}"/> the local engine uses (analysts, then API callers, then background work; users
/// round-robin) and hear their 1-based position whenever it changes. Thread-safe.
/// </summary>
internal sealed class RemoteSlots(int slots, int maxQueueLength)
{
    private readonly Lock _lock = new();
    private readonly FairQueue<Waiter> _queue = new(maxQueueLength);
    private int _active;
    private long _rejected;

    public int Active => Volatile.Read(ref _active);

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Asks for a slot. The waiter's <see cref="Waiter.Positions"/> carries queue positions and completes once it holds one.</summary>
    /// <exception cref="EngineBusyException">The queue is full.</exception>
    public Waiter Enter(string userId, RequestPriority priority)
    {
        var waiter = new Waiter(userId, priority);
        lock (_lock)
        {
            if (_active < slots && _queue.Count == 0)
            {
                _active++;
                waiter.Admitted = true;
                waiter.Positions.Writer.TryComplete();
                return waiter;
            }

            if (!_queue.TryEnqueue(waiter, 0, out var waiting))
            {
                _rejected++;
                throw new EngineBusyException(waiting);
            }

            PublishLocked();
        }

        return waiter;
    }

    /// <summary>Gives back a held slot, or leaves the queue if still waiting (a cancelled caller). Safe to call once per waiter.</summary>
    public void Leave(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Left)
            {
                return;
            }

            waiter.Left = true;
            if (waiter.Admitted)
            {
                _active--;
            }
            else
            {
                _queue.RemoveAll(w => ReferenceEquals(w, waiter));
                waiter.Positions.Writer.TryComplete();
            }

            while (_active < slots && _queue.Count > 0)
            {
                var next = _queue.AdmissionOrder()[0];
                _queue.Admit(next);
                _active++;
                next.Admitted = true;
                next.Positions.Writer.TryComplete();
            }

            PublishLocked();
        }
    }

    private void PublishLocked()
    {
        foreach (var (waiter, position) in _queue.TakeChangedPositions())
        {
            waiter.Positions.Writer.TryWrite(position);
        }
    }

    internal sealed class Waiter(string userId, RequestPriority priority) : IQueueEntry
    {
        public string UserId { get; } = userId;

        public RequestPriority Priority { get; } = priority;

        public long Arrival { get; set; }

        public bool Preempted => false;

        public int LastPosition { get; set; }

        /// <summary>Queue positions while waiting; completed when the slot is held (or the waiter left).</summary>
        public Channel<int> Positions { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

        public bool Admitted { get; set; }

        public bool Left { get; set; }
    }
}
