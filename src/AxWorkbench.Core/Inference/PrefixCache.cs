using LLama.Native;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// One shared prompt prefix kept in its own KV sequence (the one after the serving slots): the last prompt evaluated
/// that was long enough. A newly admitted request that starts with enough of the same tokens copies those cells
/// instead of evaluating them again. Used on the loop's thread only.
/// </summary>
internal sealed class PrefixCache(int minTokens, int prefixSequence)
{
    private LLamaToken[] _tokens = [];
    private long _hits;

    /// <summary>Requests that started from the shared prefix instead of evaluating it.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Forgets the prefix (new weights: the cached cells mean nothing).</summary>
    public void Reset() => _tokens = [];

    /// <summary>Copies the cached prefix into a newly admitted sequence when they share enough tokens; returns the position to continue from.</summary>
    public int Reuse(Sequence seq, ISequenceMemory memory)
    {
        ArgumentNullException.ThrowIfNull(seq);
        ArgumentNullException.ThrowIfNull(memory);
        if (minTokens <= 0 || _tokens.Length < minTokens)
        {
            return 0;
        }

        var limit = Math.Min(_tokens.Length, seq.History.Count - 1); // at least one token left to decode for logits
        var common = 0;
        while (common < limit && seq.History[common] == _tokens[common])
        {
            common++;
        }

        if (common < minTokens)
        {
            return 0;
        }

        memory.Remove(seq.SeqId);
        memory.Copy(prefixSequence, seq.SeqId); // whole-stream copy (non-unified KV)
        if (common < _tokens.Length)
        {
            memory.Remove(seq.SeqId, common);
        }

        Interlocked.Increment(ref _hits);
        seq.ReusedPrefixTokens = common;
        return common;
    }

    /// <summary>After a prompt is evaluated, keep it as the shared prefix unless the current one already serves it.</summary>
    public void MaybeStore(Sequence seq, ISequenceMemory memory)
    {
        ArgumentNullException.ThrowIfNull(seq);
        ArgumentNullException.ThrowIfNull(memory);
        if (minTokens <= 0 || seq.PromptTokens - 1 < minTokens || seq.ReusedPrefixTokens >= minTokens)
        {
            return;
        }

        memory.Remove(prefixSequence);
        memory.Copy(seq.SeqId, prefixSequence);
        memory.Remove(prefixSequence, seq.PromptTokens - 1);
        _tokens = [.. seq.History.Take(seq.PromptTokens - 1)];
    }
}
