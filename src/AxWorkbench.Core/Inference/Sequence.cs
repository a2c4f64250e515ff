using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using LLama.Native;
using LLama.Sampling;

namespace AxWorkbench.Core.Inference;

/// <summary>The loop's state for one request, from the queue through its slot to completion.</summary>
internal sealed class Sequence(long id, GenerationRequest request, LLamaToken[] prompt, int maxTokens) : IQueueEntry, IDisposable
{
    public long Id { get; } = id;
    public GenerationRequest Request { get; } = request;
    public string UserId => Request.UserId;
    public RequestPriority Priority => Request.Priority;
    public int PromptTokens { get; } = prompt.Length;
    public int MaxTokens { get; } = maxTokens;
    public List<LLamaToken> History { get; } = [.. prompt];
    public Channel<GenerationEvent> Output { get; } = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true });
    public Utf8PieceDecoder Decoder { get; } = new();
    public StringBuilder Text { get; } = new();
    public long SubmittedTicks { get; } = Stopwatch.GetTimestamp();
    /// <summary>LLamaSharp's native sampler chain (Inference:NativeSampling); otherwise <see cref="FastSampler"/>.</summary>
    public DefaultSamplingPipeline? Sampler { get; set; }
    public TokenSampler? FastSampler { get; set; }
    public CancellationTokenRegistration Registration { get; set; }
    public long Arrival { get; set; }
    /// <summary>The slot (and KV sequence id) while admitted; -1 while waiting or done.</summary>
    public int SeqId { get; set; } = -1;
    /// <summary>Tokens of <see cref="History"/> already in the KV cache.</summary>
    public int Pos { get; set; }
    public int Generated { get; set; }
    public int TokensReported { get; set; }
    /// <summary>Characters of <see cref="Text"/> already streamed.</summary>
    public int Emitted { get; set; }
    public int LastPosition { get; set; }
    public long LastFlushTicks { get; set; }
    public int ReusedPrefixTokens { get; set; }
    public bool Preempted { get; set; }
    public bool InBatch { get; set; }
    public double? TtftMs { get; set; }
    public long? ReleasedAtStep { get; set; }
    public volatile bool CancelRequested;

    public void Dispose()
    {
        Registration.Dispose();
        Sampler?.Dispose();
        Sampler = null;
    }
}
