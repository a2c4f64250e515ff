using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>A step gate a test can close: while held, each decode step first takes one permit (admission and cancellation still run).</summary>
internal sealed class HeldStepGate : IStepGate
{
    private volatile SemaphoreSlim? _permits;

    /// <summary>From now on every step needs a permit from <paramref name="permits"/>.</summary>
    public void Hold(SemaphoreSlim permits) => _permits = permits;

    /// <summary>Steps run freely again.</summary>
    public void Open() => _permits = null;

    public bool TryEnter() => _permits is not { } permits || permits.Wait(5);
}
