using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Offline;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>How an evaluation cuts the text (as llama.cpp's perplexity tool: consecutive windows, the second half of each scored).</summary>
public sealed record EvaluationSettings
{
    /// <summary>Most windows to score; fewer when the text is shorter.</summary>
    public int Windows { get; init; } = 8;

    /// <summary>Tokens per window (the evaluation context); the last half minus one are scored.</summary>
    public int WindowTokens { get; init; } = 256;

    /// <summary>Tokens generated (greedy, one sequence) to measure decode speed.</summary>
    public int SpeedTokens { get; init; } = 64;

    /// <summary>CPU threads; 0 = all cores.</summary>
    public int Threads { get; init; }

    public string? NativeLibraryPath { get; init; }
}

/// <summary>One model's own figures over the evaluation windows.</summary>
public sealed record ModelFigures(string Path, string FileType, long FileBytes, long MemoryBytes, double Perplexity, double DecodeTokensPerSecond);

/// <summary>A variant measured against its source on the same token windows.</summary>
public sealed record EvaluationReport
{
    public required ModelFigures Base { get; init; }
    public required ModelFigures Variant { get; init; }
    public required int Windows { get; init; }
    public required int WindowTokens { get; init; }
    public required int TextTokens { get; init; }
    /// <summary>Next-token predictions scored per model (Windows × (WindowTokens − 1 − WindowTokens/2)).</summary>
    public required int ScoredTokens { get; init; }
    public required string TextSha256 { get; init; }
    /// <summary>Mean KL divergence (nats) of the variant's next-token distribution from the source's.</summary>
    public required double MeanKl { get; init; }
    public required double P99Kl { get; init; }
    public required double MaxKl { get; init; }
    /// <summary>Share of scored positions where both models rank the same token first.</summary>
    public required double Top1Agreement { get; init; }
    public double PerplexityRatio => Base.Perplexity == 0 ? 0 : Variant.Perplexity / Base.Perplexity;
}

/// <summary>
/// Perplexity, KL divergence and top-1 agreement of a variant against its source, computed the way llama.cpp's
/// perplexity tool does: the text is tokenized once (with the source's tokenizer), cut into consecutive windows of
/// <see cref="EvaluationSettings.WindowTokens"/> tokens (the first replaced by BOS when the model uses one), and in each
/// window the predictions for the second half are scored, so every scored token has at least half a window of context.
/// The source's log-probabilities go to a temporary file; then the variant runs over the same windows and is compared
/// position by position. Deterministic for the same files, text, settings and thread count.
/// Each window's decode runs through <see cref="InferenceEngine.RunExclusiveAsync{T}"/> when an engine is serving, so
/// evaluation never decodes at the same time as the engine (serving pauses for one window at a time).
/// </summary>
public static class ModelEvaluator
{
    public static async Task<EvaluationReport> EvaluateAsync(
        string basePath,
        string variantPath,
        string text,
        EvaluationSettings settings,
        InferenceEngine? engine = null,
        IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (settings.WindowTokens < 8 || settings.Windows < 1)
        {
            throw new EvaluationRefusedException("An evaluation needs at least 1 window of at least 8 tokens.");
        }

        foreach (var path in (string[])[basePath, variantPath])
        {
            var verdict = GgufValidator.Validate(path, allowUnknownArchitecture: !string.IsNullOrWhiteSpace(settings.NativeLibraryPath));
            if (!verdict.IsValid)
            {
                throw new EvaluationRefusedException($"'{path}' cannot be evaluated: {verdict}");
            }
        }

        var logProbFile = Path.Combine(Path.GetTempPath(), $"ax-eval-{Guid.NewGuid():N}.logprobs");
        try
        {
            var basePass = await RunPassAsync(basePath, text, null, settings, logProbFile, engine, p => progress?.Report(p * 0.5), cancellationToken).ConfigureAwait(false);
            var variantPass = await RunPassAsync(variantPath, text, basePass, settings, logProbFile, engine, p => progress?.Report(0.5 + (p * 0.5)), cancellationToken).ConfigureAwait(false);
            var kl = variantPass.Kl!;
            var sorted = kl.Order().ToArray();
            return new EvaluationReport
            {
                Base = basePass.Figures,
                Variant = variantPass.Figures,
                Windows = basePass.Windows,
                WindowTokens = settings.WindowTokens,
                TextTokens = basePass.Tokens.Length,
                ScoredTokens = kl.Length,
                TextSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))),
                MeanKl = kl.Average(),
                P99Kl = EngineMeters.Percentile(sorted, 0.99),
                MaxKl = sorted[^1],
                Top1Agreement = variantPass.Agreements / (double)kl.Length,
            };
        }
        finally
        {
            File.Delete(logProbFile);
        }
    }

    private sealed record Pass(ModelFigures Figures, int[] Tokens, int Windows, int VocabSize, double[]? Kl, int Agreements);

    private static async Task<Pass> RunPassAsync(
        string path, string text, Pass? basePass, EvaluationSettings settings, string logProbFile, InferenceEngine? engine, Action<double> progress, CancellationToken ct)
    {
        var w = settings.WindowTokens;
        using var model = await EvaluationModel.LoadAsync(path, w, settings.Threads, settings.NativeLibraryPath, ct).ConfigureAwait(false);
        var vocab = model.VocabularySize;
        if (basePass is not null && basePass.VocabSize != vocab)
        {
            throw new EvaluationRefusedException($"'{Path.GetFileName(path)}' has a vocabulary of {vocab} tokens but its source has {basePass.VocabSize}: it is not a variant of that model.");
        }

        var tokens = basePass?.Tokens ?? model.Tokenize(text);
        var windows = Math.Min(settings.Windows, tokens.Length / w);
        if (windows == 0)
        {
            throw new EvaluationRefusedException($"The text has {tokens.Length} tokens; one window needs {w}. Use a longer text or smaller windows.");
        }

        var first = w / 2;
        var scoredPerWindow = w - 1 - first;
        var kl = basePass is null ? null : new double[windows * scoredPerWindow];
        var agreements = 0;
        double nllSum = 0;
        long stateBytes = 0;
        var own = new float[vocab];
        var theirs = new float[vocab];
        await using var store = new FileStream(logProbFile, basePass is null ? FileMode.Create : FileMode.Open, basePass is null ? FileAccess.Write : FileAccess.Read, FileShare.None, 1 << 16);
        for (var win = 0; win < windows; win++)
        {
            ct.ThrowIfCancellationRequested();
            var start = win * w;
            var window = win;
            await RunNativeAsync(engine, () =>
            {
                long size;
                try
                {
                    size = model.ScoreWindow(tokens.AsSpan(start, w), first, (i, logits) =>
                    {
                        LogSoftmax(logits, own);
                        var target = tokens[start + i + 1];
                        nllSum -= own[target];
                        if (basePass is null)
                        {
                            store.Write(MemoryMarshal.AsBytes(own.AsSpan()));
                        }
                        else
                        {
                            store.ReadExactly(MemoryMarshal.AsBytes(theirs.AsSpan()));
                            kl![(window * scoredPerWindow) + (i - first)] = KlDivergence(theirs, own);
                            if (ArgMax(theirs) == ArgMax(own))
                            {
                                agreements++;
                            }
                        }
                    });
                }
                catch (OfflineModelException ex)
                {
                    throw new EvaluationRefusedException($"llama.cpp could not decode window {window + 1} of '{Path.GetFileName(path)}' ({ex.Message}).");
                }

                stateBytes = Math.Max(stateBytes, size);
                return true;
            }, ct).ConfigureAwait(false);
            progress((win + 1) / (double)(windows + 1));
        }

        var speed = await RunNativeAsync(engine, () => MeasureSpeed(model, tokens, settings.SpeedTokens), ct).ConfigureAwait(false);
        progress(1);
        var scored = windows * scoredPerWindow;
        var figures = new ModelFigures(
            model.Path,
            model.FileType,
            new FileInfo(path).Length,
            model.WeightBytes + stateBytes,
            Math.Exp(nllSum / scored),
            speed);
        return new Pass(figures, tokens, windows, vocab, kl, agreements);
    }

    private static double MeasureSpeed(EvaluationModel model, int[] tokens, int count)
    {
        try
        {
            return model.MeasureDecodeSpeed(tokens, count);
        }
        catch (OfflineModelException ex)
        {
            throw new EvaluationRefusedException(ex.Message);
        }
    }

    private static Task<T> RunNativeAsync<T>(InferenceEngine? engine, Func<T> work, CancellationToken ct) =>
        engine is { State: ModelState.Ready }
            ? engine.RunExclusiveAsync(work, ct)
            : Task.Factory.StartNew(work, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Log-probabilities (float, the same arithmetic for both models, so identical logits give identical values).</summary>
    internal static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }

        double sum = 0;
        foreach (var l in logits)
        {
            sum += Math.Exp(l - max);
        }

        var lse = max + (float)Math.Log(sum);
        for (var i = 0; i < logits.Length; i++)
        {
            destination[i] = logits[i] - lse;
        }
    }

    /// <summary>KL(P‖Q) in nats from log-probabilities; 0 when they are equal.</summary>
    internal static double KlDivergence(ReadOnlySpan<float> logP, ReadOnlySpan<float> logQ)
    {
        double kl = 0;
        for (var i = 0; i < logP.Length; i++)
        {
            if (logP[i] != logQ[i])
            {
                kl += Math.Exp(logP[i]) * (logP[i] - logQ[i]);
            }
        }

        return Math.Max(0, kl);
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
