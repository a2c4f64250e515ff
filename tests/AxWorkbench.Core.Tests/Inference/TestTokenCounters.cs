using AxWorkbench.Core.Inference;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>Token counters for tests whose model is a scripted <see cref="Microsoft.Extensions.AI.IChatClient"/>.</summary>
public static class TestTokenCounters
{
    /// <summary>
    /// The product's own counter with no model loaded: its conservative estimate (UTF-8 bytes) over a context of
    /// <paramref name="contextSize"/> tokens.
    /// </summary>
    public static ITokenCounter Estimating(int contextSize = 8192)
    {
        var options = Options.Create(new InferenceOptions { ContextSize = contextSize });
        return new ModelTokenCounter(new InferenceEngine(options), options);
    }
}
