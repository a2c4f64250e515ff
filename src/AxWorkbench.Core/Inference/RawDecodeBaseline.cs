using System.Diagnostics;
using LLama;
using LLama.Native;
using LLama.Sampling;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The benchmark's raw baseline: a plain decode loop on one thread, as llama.cpp's llama-batched-bench does
/// (N sequences, one token each per decode), with the same per-sequence sampling the engine does. Lives here
/// because LLamaSharp may only be used in this folder.
/// </summary>
public static class RawDecodeBaseline
{
    /// <summary>Aggregate tokens/s of the generation phase, and where each step's time went (native decode vs. sampling).</summary>
    public sealed record Result(double TokensPerSecond, double DecodeMicrosPerStep, double SampleMicrosPerStep, double PrefillMicrosPerPrompt = 0, int PromptTokens = 0);

    /// <summary>Generates <paramref name="tokensPerSequence"/> tokens for each of <paramref name="sequences"/> sequences.</summary>
    public static Result Run(string modelPath, InferenceOptions options, int sequences, int tokensPerSequence, bool fixtureBias = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        LlamaNative.EnsureInitialized(options.NativeLibraryPath);
        var parameters = LoadedModel.BuildParameters(modelPath, options);
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var bias = fixtureBias ? FixtureBias(weights) : new Dictionary<LLamaToken, float>();
        var prompt = weights.NativeHandle.Tokenize("hello analysis report", weights.Vocab.ShouldAddBOS, true, System.Text.Encoding.UTF8);
        Result result = new(0, 0, 0);
        var thread = new Thread(() => result = Loop(context, prompt, bias, sequences, tokensPerSequence)) { Name = "raw-baseline" };
        thread.Start();
        thread.Join();
        return result;
    }

    private static Dictionary<LLamaToken, float> FixtureBias(LLamaWeights weights)
    {
        var bias = new Dictionary<LLamaToken, float>();
        var vocab = FixtureModelWriter.BuildVocabulary().Tokens;
        for (var i = 0; i < Math.Min(vocab.Length, weights.Vocab.Count); i++)
        {
            if (!FixtureModelWriter.IsWordPiece(vocab[i]))
            {
                bias[i] = -1000f;
            }
        }

        return bias;
    }

    private static Result Loop(LLamaContext context, LLamaToken[] prompt, Dictionary<LLamaToken, float> bias, int n, int tokens)
    {
        var ctx = context.NativeHandle;
        var batch = new LLamaBatch();
        var samplers = Enumerable.Range(0, n).Select(i => new DefaultSamplingPipeline { Seed = (uint)(i + 1), Temperature = 0.8f, TopP = 0.95f, LogitBias = bias }).ToArray();
        try
        {
            var prefill = Stopwatch.StartNew();
            for (var s = 0; s < n; s++)
            {
                batch.Clear();
                batch.AddRange(prompt.AsSpan(0, prompt.Length - 1), 0, (LLamaSeqId)s, false);
                batch.Add(prompt[^1], prompt.Length - 1, (LLamaSeqId)s, true);
                if (ctx.Decode(batch) != DecodeResult.Ok)
                {
                    throw new GenerationFailedException("prompt decode failed");
                }

                _ = samplers[s].Sample(ctx, batch.TokenCount - 1);
            }

            var prefillMicros = prefill.Elapsed.TotalMicroseconds / n;

            var last = new LLamaToken[n];
            var index = new int[n];
            for (var s = 0; s < n; s++)
            {
                last[s] = prompt[^1];
            }

            var sw = Stopwatch.StartNew();
            long decodeTicks = 0, sampleTicks = 0;
            for (var t = 0; t < tokens; t++)
            {
                var t0 = Stopwatch.GetTimestamp();
                batch.Clear();
                for (var s = 0; s < n; s++)
                {
                    index[s] = batch.Add(last[s], prompt.Length + t, (LLamaSeqId)s, true);
                }

                if (ctx.Decode(batch) != DecodeResult.Ok)
                {
                    throw new GenerationFailedException("decode failed");
                }

                var t1 = Stopwatch.GetTimestamp();
                for (var s = 0; s < n; s++)
                {
                    last[s] = samplers[s].Sample(ctx, index[s]);
                }

                decodeTicks += t1 - t0;
                sampleTicks += Stopwatch.GetTimestamp() - t1;
            }

            var perStep = 1e6 / Stopwatch.Frequency / tokens;
            return new Result(n * tokens / sw.Elapsed.TotalSeconds, decodeTicks * perStep, sampleTicks * perStep, prefillMicros, prompt.Length);
        }
        finally
        {
            foreach (var s in samplers)
            {
                s.Dispose();
            }
        }
    }
}
