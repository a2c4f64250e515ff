using System.Threading.Channels;

namespace AxWorkbench.Core.Inference;

/// <summary>The caller's handle on one queued or running generation.</summary>
public sealed class GenerationStream : IDisposable
{
    private readonly Action<Sequence> _cancel;

    internal GenerationStream(Sequence sequence, Action<Sequence> cancel)
    {
        _cancel = cancel;
        Sequence = sequence;
    }

    internal Sequence Sequence { get; }

    public long Id => Sequence.Id;

    public int PromptTokens => Sequence.PromptTokens;

    /// <summary>Queue positions, text, then completion; completes with an exception if the request failed.</summary>
    public ChannelReader<GenerationEvent> Events => Sequence.Output.Reader;

    /// <summary>Time to first token, once known.</summary>
    public double? TimeToFirstTokenMs => Sequence.TtftMs;

    /// <summary>The engine step at which the sequence's slot and KV cells were freed.</summary>
    public long? ReleasedAtStep => Sequence.ReleasedAtStep;

    /// <summary>Tokens generated so far (the loop's count, ahead of what the reader has consumed).</summary>
    public int GeneratedTokens => Sequence.Generated;

    /// <summary>Stops the generation; its slot is freed before the next decode step.</summary>
    public void Cancel() => _cancel(Sequence);

    public void Dispose()
    {
        if (!Sequence.Output.Reader.Completion.IsCompleted)
        {
            Cancel();
        }
    }
}
