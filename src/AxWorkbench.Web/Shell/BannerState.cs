using AxWorkbench.Core.Markings;

namespace AxWorkbench.Web.Shell;

/// <summary>
/// The markings of what is on screen in this circuit. Components declare what they show;
/// the banners show the join of all declarations (Unclassified when nothing is declared).
/// </summary>
public sealed class BannerState
{
    private readonly Dictionary<object, Marking> _declared = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();

    public event Action? Changed;

    public Marking Current
    {
        get
        {
            lock (_gate)
            {
                return Marking.Join(_declared.Values);
            }
        }
    }

    public void Declare(object owner, Marking marking)
    {
        lock (_gate)
        {
            if (_declared.TryGetValue(owner, out var existing) && existing == marking)
            {
                return;
            }
            _declared[owner] = marking;
        }
        Changed?.Invoke();
    }

    public void Withdraw(object owner)
    {
        bool removed;
        lock (_gate)
        {
            removed = _declared.Remove(owner);
        }
        if (removed)
        {
            Changed?.Invoke();
        }
    }
}
