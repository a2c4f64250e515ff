using AxWorkbench.Core.Inference;

namespace AxWorkbench.E2E.Infrastructure;

/// <summary>
/// The engine's step gate with a settable pause before each decode step (0 by default: full speed). The fixture model
/// decodes a thousand tokens in a second or two; a test about what the browser shows while an answer streams paces the
/// engine so the answer is still streaming when the browser gets there, however busy the machine is.
/// </summary>
internal sealed class PacedStepGate : IStepGate
{
    private int _pauseMilliseconds;

    public int PauseMilliseconds
    {
        get => Volatile.Read(ref _pauseMilliseconds);
        set => Volatile.Write(ref _pauseMilliseconds, value);
    }

    public bool TryEnter()
    {
        var pause = PauseMilliseconds;
        if (pause > 0)
        {
            Thread.Sleep(pause); // the engine's own loop thread: it only slows decoding, admission still runs every step
        }
        return true;
    }

    /// <summary>Paces the engine until the returned value is disposed.</summary>
    public IDisposable Pace(int pauseMilliseconds)
    {
        PauseMilliseconds = pauseMilliseconds;
        return new Reset(this);
    }

    private sealed class Reset(PacedStepGate gate) : IDisposable
    {
        public void Dispose() => gate.PauseMilliseconds = 0;
    }
}
