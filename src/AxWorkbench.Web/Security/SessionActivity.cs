using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>
/// When each sign-in session last had input (any event or call from its circuits), and whether it is locked. A session
/// idle past <see cref="SessionRulesOptions.IdleLockSeconds"/> locks and stays locked until its password is given again,
/// so a new tab of the same session opens locked too.
/// </summary>
public sealed class SessionActivity(IOptions<SessionRulesOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, State> _sessions = new(StringComparer.Ordinal);

    public TimeSpan IdleLimit => TimeSpan.FromSeconds(options.Value.IdleLockSeconds);

    /// <summary>Records input; input on a locked session (other than the unlock itself) changes nothing.</summary>
    public void Touch(string sessionId)
    {
        var state = _sessions.GetOrAdd(sessionId, _ => new State(time.GetUtcNow()));
        lock (state)
        {
            if (!Expire(state))
            {
                state.LastInput = time.GetUtcNow();
            }
        }
    }

    public bool IsLocked(string sessionId)
    {
        var state = _sessions.GetOrAdd(sessionId, _ => new State(time.GetUtcNow()));
        lock (state)
        {
            return Expire(state);
        }
    }

    public void Unlock(string sessionId)
    {
        var state = _sessions.GetOrAdd(sessionId, _ => new State(time.GetUtcNow()));
        lock (state)
        {
            state.Locked = false;
            state.LastInput = time.GetUtcNow();
        }
    }

    public void Forget(string sessionId) => _sessions.TryRemove(sessionId, out _);

    private bool Expire(State state)
    {
        if (!state.Locked && time.GetUtcNow() - state.LastInput >= IdleLimit)
        {
            state.Locked = true;
        }
        return state.Locked;
    }

    private sealed class State(DateTimeOffset lastInput)
    {
        public DateTimeOffset LastInput { get; set; } = lastInput;

        public bool Locked { get; set; }
    }
}

/// <summary>The circuit's sign-in session (set by the idle lock once the user is known).</summary>
public sealed class CircuitSession
{
    public string? SessionId { get; set; }
}

/// <summary>Every inbound event or JS call on a circuit counts as input for its session.</summary>
public sealed class ActivityCircuitHandler(CircuitSession session, SessionActivity activity) : CircuitHandler
{
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        context =>
        {
            if (session.SessionId is { } id)
            {
                activity.Touch(id);
            }
            return next(context);
        };
}
