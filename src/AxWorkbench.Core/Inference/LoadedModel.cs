using System.Text;
using System.Text.RegularExpressions;
using LLama;
using LLama.Common;
using LLama.Native;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The weights and the serving context, and what depends on them: tokenizer, chat template, token pieces, the
/// fixture's readability bias, the context one conversation gets, and the model page's description. Disposed
/// (weights and context) when the engine stops or swaps to other weights.
/// </summary>
internal sealed partial class LoadedModel : ISequenceMemory, IDisposable
{
    private LoadedModel(string path, LLamaWeights weights, LLamaContext context, bool isFixture)
    {
        Path = System.IO.Path.GetFullPath(path);
        Weights = weights;
        Context = context;
        IsFixture = isFixture;
        LogitBias = isFixture ? BuildFixtureBias(weights) : new Dictionary<LLamaToken, float>();
        BiasVector = ToVector(LogitBias, weights.Vocab.Count);
        ContextPerSequence = (int)(context.ContextSize / context.NativeHandle.MaxSeq);
    }

    public string Path { get; }
    public LLamaWeights Weights { get; }
    public LLamaContext Context { get; }
    public bool IsFixture { get; }
    public IReadOnlyDictionary<LLamaToken, float> LogitBias { get; }
    /// <summary><see cref="LogitBias"/> as one value per vocabulary entry (empty when there is no bias), for the managed sampler.</summary>
    public float[] BiasVector { get; }
    /// <summary>Tokens one conversation may hold (prompt and answer).</summary>
    public int ContextPerSequence { get; }
    public LLamaToken? Bos => Weights.Vocab.BOS;

    /// <summary>Loads weights and context; llama.cpp's failures surface as exceptions (the caller names the reason from the native log).</summary>
    public static async Task<LoadedModel> LoadAsync(string path, GgufHeader? header, InferenceOptions options, IProgress<float>? progress, CancellationToken cancellationToken)
    {
        var parameters = BuildParameters(path, options);
        var weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken, progress).ConfigureAwait(false);
        return Create(path, header, parameters, weights);
    }

    /// <summary>Synchronous load, for the loop's thread during a swap.</summary>
    public static LoadedModel Load(string path, GgufHeader? header, InferenceOptions options)
    {
        var parameters = BuildParameters(path, options);
        return Create(path, header, parameters, LLamaWeights.LoadFromFile(parameters));
    }

    private static LoadedModel Create(string path, GgufHeader? header, ModelParams parameters, LLamaWeights weights)
    {
        try
        {
            var context = weights.CreateContext(parameters);
            return new LoadedModel(path, weights, context, header is not null && FixtureModelWriter.IsFixture(header));
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    internal static ModelParams BuildParameters(string path, InferenceOptions o)
    {
        var threads = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
        var kvType = o.KvCacheType switch
        {
            "q8_0" => GGMLType.GGML_TYPE_Q8_0,
            "q4_0" => GGMLType.GGML_TYPE_Q4_0,
            _ => GGMLType.GGML_TYPE_F16,
        };
        var sequences = o.MaxParallelSequences + (o.PrefixCacheMinTokens > 0 ? 1 : 0); // + the prefix cache's sequence
        return new ModelParams(path)
        {
            ContextSize = (uint)(o.ContextSize * sequences), // non-unified: each sequence gets ContextSize
            SeqMax = (uint)sequences,
            KVUnified = o.KvUnified, // default false: each sequence its own cache; a unified one sized for many ids costs every decode
            GpuLayerCount = o.GpuLayers,
            Threads = threads,
            BatchThreads = threads,
            BatchSize = (uint)o.BatchSize,
            UBatchSize = (uint)o.UBatchSize,
            FlashAttention = o.FlashAttention,
            TypeK = kvType,
            TypeV = kvType,
        };
    }

    /// <summary>What the model page and /healthz show; <paramref name="mark"/> is where the native log of this load begins.</summary>
    public ModelInfo Describe(GgufHeader? header, InferenceOptions options, long mark)
    {
        var loadLog = LlamaNative.LinesSince(mark);
        var offloaded = loadLog.Select(l => OffloadedRegex().Match(l)).LastOrDefault(m => m.Success)?.Groups[1].Value;
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        return new ModelInfo
        {
            DisplayName = IsFixture ? $"{options.DisplayName} — demo fixture ({options.FixtureSize}), random text" : options.DisplayName,
            Path = Path,
            FileName = System.IO.Path.GetFileName(Path),
            SizeBytes = new FileInfo(Path).Length,
            Architecture = header?.GetString("general.architecture") ?? "unknown",
            ParameterCount = Weights.ParameterCount,
            FileType = NativeFileType() ?? ModelCommands.FileTypeName(header?.GetInteger("general.file_type")),
            TrainedContextLength = Weights.ContextSize,
            ContextLength = ContextPerSequence,
            VocabularySize = Weights.Vocab.Count,
            ChatTemplate = header?.GetString("tokenizer.chat_template"),
            Backend = LlamaNative.LoadedLibraryPath,
            Devices = LlamaNative.Devices(),
            LayerCount = Weights.NativeHandle.LayerCount,
            LayersOffloaded = offloaded ?? $"0/{Weights.NativeHandle.LayerCount + 1}",
            KvCacheType = options.KvCacheType,
            MaxParallelSequences = options.MaxParallelSequences,
            Threads = threads,
            IsFixture = IsFixture,
        };
    }

    /// <summary>
    /// llama.cpp's name for the weights' file type; null where the loaded library lacks llama_model_ftype (a site-built
    /// llama.cpp newer than LLamaSharp's bindings, e.g. b9842): the GGUF header's general.file_type says it then.
    /// </summary>
    private string? NativeFileType()
    {
        try
        {
            return Weights.NativeHandle.FileType.ToString();
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The prompt's tokens as generation sees them: the model's BOS when it wants one, special tokens parsed.</summary>
    public LLamaToken[] TokenizePrompt(string text) =>
        Weights.NativeHandle.Tokenize(text, Weights.Vocab.ShouldAddBOS, special: true, Encoding.UTF8);

    /// <summary>Plain text's tokens: no BOS, special-token text counted as text.</summary>
    public LLamaToken[] TokenizeText(string text) =>
        Weights.NativeHandle.Tokenize(text, false, false, Encoding.UTF8);

    public bool IsEndOfGeneration(LLamaToken token) => token.IsEndOfGeneration(Weights.Vocab);

    /// <summary>The UTF-8 bytes of one token (special tokens render as nothing); <paramref name="buffer"/> grows when needed.</summary>
    public ReadOnlySpan<byte> Piece(LLamaToken token, ref byte[] buffer)
    {
        var length = Weights.NativeHandle.TokenToSpan(token, buffer, 0, special: false);
        if (length > buffer.Length)
        {
            buffer = new byte[(int)length * 2];
            length = Weights.NativeHandle.TokenToSpan(token, buffer, 0, special: false);
        }

        return buffer.AsSpan(0, (int)length);
    }

    /// <summary>Applies the model's chat template (from the GGUF) to the messages, with the assistant turn opened; ChatML when the file has none usable.</summary>
    public string ApplyChatTemplate(IReadOnlyList<(string Role, string Content)> messages)
    {
        try
        {
            var template = new LLamaTemplate(Weights) { AddAssistant = true };
            foreach (var (role, content) in messages)
            {
                template.Add(role, content);
            }

            return Encoding.UTF8.GetString(template.Apply());
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or LLama.Exceptions.RuntimeError)
        {
            return ChatMl(messages);
        }
    }

    /// <summary>ChatML, the common denominator of chat templates.</summary>
    internal static string ChatMl(IEnumerable<(string Role, string Content)> messages)
    {
        var sb = new StringBuilder();
        foreach (var (role, content) in messages)
        {
            sb.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");
        }

        return sb.Append("<|im_start|>assistant\n").ToString();
    }

    public void Remove(int sequence, int fromPosition = -1) =>
        Context.NativeHandle.MemorySequenceRemove((LLamaSeqId)sequence, fromPosition, -1);

    public void Copy(int source, int destination) =>
        Context.NativeHandle.MemorySequenceCopy((LLamaSeqId)source, (LLamaSeqId)destination, -1, -1);

    /// <summary>The bias the engine applies (the fixture's readability bias, or none) as one value per vocabulary entry.</summary>
    internal static float[] BuildBiasVector(LLamaWeights weights, bool isFixture) =>
        isFixture ? ToVector(BuildFixtureBias(weights), weights.Vocab.Count) : [];

    private static float[] ToVector(IReadOnlyDictionary<LLamaToken, float> bias, int vocabulary)
    {
        if (bias.Count == 0)
        {
            return [];
        }

        var vector = new float[vocabulary];
        foreach (var (token, value) in bias)
        {
            vector[(int)token] = value;
        }

        return vector;
    }

    private static Dictionary<LLamaToken, float> BuildFixtureBias(LLamaWeights weights)
    {
        // Random weights favour byte and control tokens as often as words; steer the demo to readable word pieces.
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

    [GeneratedRegex(@"offloaded (\d+/\d+) layers to GPU")]
    private static partial Regex OffloadedRegex();

    public void Dispose()
    {
        Context.Dispose();
        Weights.Dispose();
    }
}
