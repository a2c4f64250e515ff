using AxWorkbench.Core.Inference;
using LLama.Native;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Records the KV-cache operations asked for, so scheduling and prefix reuse are tested without a model.</summary>
internal sealed class FakeSequenceMemory : ISequenceMemory
{
    public List<string> Operations { get; } = [];

    public void Remove(int sequence, int fromPosition = -1) => Operations.Add(fromPosition > 0 ? $"remove {sequence} from {fromPosition}" : $"remove {sequence}");

    public void Copy(int source, int destination) => Operations.Add($"copy {source}->{destination}");

    internal static Sequence Sequence(int[] prompt, string user = "u", RequestPriority priority = RequestPriority.Interactive, long id = 1) =>
        new(id, new GenerationRequest { Prompt = "-", UserId = user, Priority = priority }, [.. prompt.Select(t => (LLamaToken)t)], maxTokens: 8);
}
