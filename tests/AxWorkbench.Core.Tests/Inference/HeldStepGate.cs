using AxWorkbench.Core.Inference;
using LLama.Native;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>
/// A step gate a test can close: while held, each decode step first takes one permit (admission and cancellation still
/// run). It can also make the next decode fail as llama.cpp would (an error code) or throw (a native crash surfacing).
/// </summary>
internal sealed class HeldStepGate : IStepGate
{
    private volatile SemaphoreSlim? _permits;
    private volatile Func<DecodeResult>? _nextDecode;

    /// <summary>From now on every step needs a permit from <paramref name="permits"/>.</summary>
    public void Hold(SemaphoreSlim permits) => _permits = permits;

    /// <summary>Steps run freely again.</summary>
    public void Open() => _permits = null;

    /// <summary>The next decode does not reach llama.cpp: it returns <paramref name="result"/>.</summary>
    public void FailNextDecode(DecodeResult result) => _nextDecode = () => result;

    /// <summary>The next decode throws <paramref name="exception"/>.</summary>
    public void ThrowOnNextDecode(Exception exception) => _nextDecode = () => throw exception;

    public bool TryEnter() => _permits is not { } permits || permits.Wait(5);

    public DecodeResult Decode(SafeLLamaContextHandle context, LLamaBatch batch) =>
        Interlocked.Exchange(ref _nextDecode, null) is { } injected ? injected() : context.Decode(batch);
}
