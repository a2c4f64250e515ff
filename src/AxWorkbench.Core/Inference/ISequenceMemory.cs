namespace AxWorkbench.Core.Inference;

/// <summary>The KV-cache operations the scheduler and the prefix cache need, by sequence id (the loaded model implements them).</summary>
internal interface ISequenceMemory
{
    /// <summary>Frees the cells of <paramref name="sequence"/> from <paramref name="fromPosition"/> on (-1 or 0: all of them).</summary>
    void Remove(int sequence, int fromPosition = -1);

    /// <summary>Copies every cell of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    void Copy(int source, int destination);
}
