namespace AxWorkbench.Core.Inference;

/// <summary>What the fair queue needs to know of a waiting request.</summary>
internal interface IQueueEntry
{
    string UserId { get; }

    RequestPriority Priority { get; }

    /// <summary>Set by the queue when the entry is first enqueued (kept when it is parked and requeued).</summary>
    long Arrival { get; set; }

    /// <summary>A parked entry goes before its user's other waiting entries.</summary>
    bool Preempted { get; }

    /// <summary>The last position published to the entry's caller; 0 = none yet.</summary>
    int LastPosition { get; set; }
}

/// <summary>
/// The bounded waiting line in front of the engine's slots. Admission order: by priority (<see cref="Priorities"/>);
/// within a priority, users round-robin, least recently served first; each user's requests in arrival order (parked
/// ones first). Not thread-safe: the caller holds its lock around every call.
/// </summary>
internal sealed class FairQueue<T>(int maxLength) where T : class, IQueueEntry
{
    private readonly List<T> _waiting = [];
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private long _clock;

    /// <summary>Highest first.</summary>
    public static IReadOnlyList<RequestPriority> Priorities { get; } = [RequestPriority.Interactive, RequestPriority.Api, RequestPriority.Background];

    public int Count => _waiting.Count;

    /// <summary>Adds <paramref name="entry"/> unless the line is full. Waiting entries that <paramref name="freeSlots"/>
    /// will absorb at the next step do not count against <c>maxLength</c>.</summary>
    /// <param name="waiting">The waiting count that was compared with the limit (reported when refused).</param>
    public bool TryEnqueue(T entry, int freeSlots, out int waiting)
    {
        ArgumentNullException.ThrowIfNull(entry);
        waiting = _waiting.Count - freeSlots;
        if (waiting >= maxLength)
        {
            return false;
        }

        entry.Arrival = ++_clock;
        _waiting.Add(entry);
        return true;
    }

    /// <summary>Puts a parked entry back (it keeps its arrival; the limit does not apply: it was admitted once).</summary>
    public void Requeue(T entry)
    {
        entry.LastPosition = 0;
        _waiting.Add(entry);
    }

    /// <summary>The entry leaves the line for a slot; its user becomes the most recently served.</summary>
    public void Admit(T entry)
    {
        _waiting.Remove(entry);
        _lastServed[entry.UserId] = ++_clock;
    }

    /// <summary>Removes the entries <paramref name="match"/> accepts, calling it once per entry.</summary>
    public int RemoveAll(Predicate<T> match) => _waiting.RemoveAll(match);

    /// <summary>Empties the line and returns what waited.</summary>
    public IReadOnlyList<T> TakeAll()
    {
        var all = _waiting.ToList();
        _waiting.Clear();
        return all;
    }

    /// <summary>The waiting entries in the order they will be admitted.</summary>
    public List<T> AdmissionOrder()
    {
        var order = new List<T>(_waiting.Count);
        foreach (var priority in Priorities)
        {
            var byUser = _waiting.Where(w => w.Priority == priority)
                .OrderBy(w => w.Preempted ? 0 : 1).ThenBy(w => w.Arrival)
                .GroupBy(w => w.UserId)
                .Select(g => new Queue<T>(g))
                .OrderBy(q => _lastServed.GetValueOrDefault(q.Peek().UserId, 0)).ThenBy(q => q.Peek().Arrival)
                .ToList();
            while (byUser.Count > 0)
            {
                for (var i = 0; i < byUser.Count; i++)
                {
                    order.Add(byUser[i].Dequeue());
                }

                byUser.RemoveAll(q => q.Count == 0);
            }
        }

        return order;
    }

    /// <summary>Entries whose 1-based position changed since it was last published (and records the new one).</summary>
    public IReadOnlyList<(T Entry, int Position)> TakeChangedPositions()
    {
        var order = AdmissionOrder();
        var changed = new List<(T, int)>();
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i].LastPosition != i + 1)
            {
                order[i].LastPosition = i + 1;
                changed.Add((order[i], i + 1));
            }
        }

        return changed;
    }
}
