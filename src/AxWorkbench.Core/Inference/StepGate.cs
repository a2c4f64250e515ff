using LLama.Native;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Asked by the loop before each decode step. The engine's own gate always opens; a test passes one that holds the
/// loop at a known step (admission and cancellation still run while a step is held).
/// </summary>
internal interface IStepGate
{
    /// <summary>True to run the step now; false to skip this turn of the loop (it asks again on the next).</summary>
    bool TryEnter();

    /// <summary>
    /// Runs the step's decode. The production gate calls llama.cpp; a test may answer a failure or throw instead, to
    /// show what a native failure does to the requests in the batch and to the loop.
    /// </summary>
    DecodeResult Decode(SafeLLamaContextHandle context, LLamaBatch batch) => context.Decode(batch);
}

/// <summary>The production gate: every step runs.</summary>
internal sealed class OpenStepGate : IStepGate
{
    public static OpenStepGate Instance { get; } = new();

    public bool TryEnter() => true;
}
