using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The one owner of the model: loads the weights once, then runs a continuous-batching loop on one dedicated thread.
/// Requests wait in a bounded queue (interactive before background, round-robin between users); each admitted request
/// is a sequence in the same batch; a finished or cancelled one leaves between steps and frees its KV cells.
/// </summary>
public sealed partial class InferenceEngine : IModelStatus, IDisposable
{
    public const string MeterName = "AxWorkbench.Inference";

    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<Sequence> _waiting = [];
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private readonly AutoResetEvent _wake = new(false);
    private readonly Meter _meter;
    private readonly Counter<long> _tokenCounter;
    private readonly Counter<long> _rejectedCounter;
    private readonly Histogram<double> _ttftHistogram;
    private readonly Queue<double> _ttftWindow = new();
    private readonly Queue<(long Ticks, int Tokens)> _rateWindow = new();

    private LLamaWeights? _weights;
    private LLamaContext? _context;
    private Thread? _loop;
    private volatile bool _stopping;
    private Sequence?[] _slots = [];
    private IReadOnlyDictionary<LLamaToken, float> _logitBias = new Dictionary<LLamaToken, float>();
    private readonly long _flushTicks;
    private LLamaToken[] _prefixTokens = [];
    private long _prefixHits;
    private long _nextId;
    private int _disposed;
    private long _arrival;
    private int _activeCount;
    private long _steps;
    private long _totalTokens;
    private long _rejected;
    private long _completed;
    private int _contextPerSequence;
    private volatile ModelState _state = ModelState.NotLoaded;
    private volatile string? _error;
    private volatile ModelInfo? _info;
    private double _loadProgress;
    private readonly ConcurrentQueue<Action> _exclusive = new();
    private SwapRequest? _swap;
    private int _submitsInFlight;

    public InferenceEngine(IOptions<InferenceOptions> options, ILogger<InferenceEngine>? logger = null)
    {
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _flushTicks = Stopwatch.Frequency * _options.StreamFlushIntervalMs / 1000;
        _meter = new Meter(MeterName);
        _tokenCounter = _meter.CreateCounter<long>("ax.inference.tokens", "{token}", "Tokens generated.");
        _rejectedCounter = _meter.CreateCounter<long>("ax.inference.rejected", "{request}", "Requests answered busy.");
        _ttftHistogram = _meter.CreateHistogram<double>("ax.inference.time_to_first_token", "ms", "Time from submit to first token.");
        _meter.CreateObservableGauge("ax.inference.queue_depth", () => QueueDepth, "{request}", "Requests waiting for a slot.");
        _meter.CreateObservableGauge("ax.inference.active_sequences", () => Volatile.Read(ref _activeCount), "{sequence}", "Generations in the batch.");
    }

    public ModelState State => _state;
    public string? Error => _error;
    public ModelInfo? Info => _info;
    public double LoadProgress => Volatile.Read(ref _loadProgress);

    /// <summary>When set (tests), every decode step first takes one permit.</summary>
    internal SemaphoreSlim? StepPermits { get; set; }

    /// <summary>Decode steps run so far (one native decode call each).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    private int QueueDepth
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    public EngineMetrics Metrics
    {
        get
        {
            double p50 = 0, p95 = 0, rate = 0;
            lock (_lock)
            {
                if (_ttftWindow.Count > 0)
                {
                    var sorted = _ttftWindow.Order().ToArray();
                    p50 = Percentile(sorted, 0.50);
                    p95 = Percentile(sorted, 0.95);
                }

                TrimRateWindow(Stopwatch.GetTimestamp());
                if (_rateWindow.Count > 0)
                {
                    var span = Stopwatch.GetElapsedTime(_rateWindow.Peek().Ticks).TotalSeconds;
                    // At least 50 ms of span: a burst just recorded is a rate, not zero and not infinity.
                    rate = _rateWindow.Sum(r => r.Tokens) / Math.Max(span, 0.05);
                }

                return new EngineMetrics(_waiting.Count, _activeCount, rate, p50, p95, _totalTokens, _rejected, _completed, Steps);
            }
        }
    }

    internal static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    /// <summary>Resolves, validates and loads the configured model, then starts the loop. Never throws for a bad model: it sets State Failed with the reason.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (_state is ModelState.Loading or ModelState.Ready)
        {
            return;
        }

        _state = ModelState.Loading;
        Volatile.Write(ref _loadProgress, 0);
        string path;
        try
        {
            path = string.IsNullOrWhiteSpace(_options.ModelPath)
                ? FixtureModelWriter.EnsureWritten(_options.FixtureDirectory, _options.FixtureSize, _options.FixtureSeed)
                : _options.ModelPath;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail($"The fixture model could not be written to '{_options.FixtureDirectory}': {ex.Message}");
            return;
        }

        await LoadPathAsync(path, validate: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads <paramref name="path"/>; <paramref name="validate"/> false skips the managed check (tests of the native-log path).</summary>
    internal async Task LoadPathAsync(string path, bool validate, CancellationToken cancellationToken)
    {
        _state = ModelState.Loading;
        var hasSiteLibrary = !string.IsNullOrWhiteSpace(_options.NativeLibraryPath);
        var verdict = GgufValidator.Validate(path, allowUnknownArchitecture: hasSiteLibrary || !validate);
        if (validate && !verdict.IsValid)
        {
            Fail(verdict.ToString());
            return;
        }

        try
        {
            LlamaNative.EnsureInitialized(_options.NativeLibraryPath);
        }
        catch (NativeLibraryUnavailableException ex)
        {
            Fail(ex.Message);
            return;
        }

        LlamaNative.LineLogged -= ForwardNativeLog;
        LlamaNative.LineLogged += ForwardNativeLog;
        var mark = LlamaNative.Mark();
        var parameters = BuildParameters(path, _options);
        try
        {
            var progress = new Progress<float>(p => Volatile.Write(ref _loadProgress, p));
            _weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken, progress).ConfigureAwait(false);
            _context = _weights.CreateContext(parameters);
        }
        catch (OperationCanceledException)
        {
            _state = ModelState.NotLoaded;
            throw;
        }
#pragma warning disable CA1031 // a failed native load must never take the process down; the reason is surfaced instead
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var native = LlamaNative.ProblemsSince(mark);
            var reason = native.Count > 0 ? string.Join(" | ", native.TakeLast(3)) : ex.Message;
            _weights?.Dispose();
            _weights = null;
            Fail($"NativeLoadFailed: llama.cpp could not load '{path}': {reason}");
            return;
        }

        _slots = new Sequence?[_options.MaxParallelSequences];
        AdoptLoadedModel(path, verdict.Header, parameters, mark);
        _stopping = false;
        _loop = new Thread(RunLoop) { IsBackground = true, Name = "ax-inference-loop" };
        _loop.Start();
        Volatile.Write(ref _loadProgress, 1);
        _error = null;
        _state = ModelState.Ready;
        LogModelReady(_logger, _info!.FileName, _info.Architecture, _info.ParameterCount, _info.Backend ?? "?");
        _ = Task.Run(() => ComputeSha256Async(path), CancellationToken.None);
    }

    /// <summary>Sets what depends on the loaded weights: fixture bias, context per sequence, the model page's info.</summary>
    private void AdoptLoadedModel(string path, GgufHeader? header, ModelParams parameters, long mark)
    {
        var weights = _weights!;
        var context = _context!;
        var isFixture = header is not null && FixtureModelWriter.IsFixture(header);
        _logitBias = isFixture ? BuildFixtureBias(weights) : new Dictionary<LLamaToken, float>();
        _prefixTokens = [];
        _contextPerSequence = (int)(context.ContextSize / context.NativeHandle.MaxSeq);
        var loadLog = LlamaNative.LinesSince(mark);
        var offloaded = loadLog.Select(l => OffloadedRegex().Match(l)).LastOrDefault(m => m.Success)?.Groups[1].Value;
        _info = new ModelInfo
        {
            DisplayName = isFixture ? $"{_options.DisplayName} — demo fixture ({_options.FixtureSize}), random text" : _options.DisplayName,
            Path = Path.GetFullPath(path),
            FileName = Path.GetFileName(path),
            SizeBytes = new FileInfo(path).Length,
            Architecture = header?.GetString("general.architecture") ?? "unknown",
            ParameterCount = weights.ParameterCount,
            FileType = weights.NativeHandle.FileType.ToString(),
            TrainedContextLength = weights.ContextSize,
            ContextLength = _contextPerSequence,
            VocabularySize = weights.Vocab.Count,
            ChatTemplate = header?.GetString("tokenizer.chat_template"),
            Backend = LlamaNative.LoadedLibraryPath,
            Devices = LlamaNative.Devices(),
            LayerCount = weights.NativeHandle.LayerCount,
            LayersOffloaded = offloaded ?? $"0/{weights.NativeHandle.LayerCount + 1}",
            KvCacheType = _options.KvCacheType,
            MaxParallelSequences = _options.MaxParallelSequences,
            Threads = parameters.Threads ?? 0,
            IsFixture = isFixture,
        };
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

    private async Task ComputeSha256Async(string path)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            var hash = await SHA256.HashDataAsync(stream).ConfigureAwait(false);
            if (_info is { } info && info.Path == Path.GetFullPath(path))
            {
                _info = info with { Sha256 = Convert.ToHexStringLower(hash) };
            }
        }
        catch (IOException ex)
        {
            LogHashFailed(_logger, path, ex.Message);
        }
    }

    private void Fail(string reason)
    {
        _error = reason;
        _state = ModelState.Failed;
        LogModelFailed(_logger, reason);
    }

    private void ForwardNativeLog(LLamaLogLevel level, string line)
    {
        switch (level)
        {
            case LLamaLogLevel.Error: LogNativeError(_logger, line); break;
            case LLamaLogLevel.Warning: LogNativeWarning(_logger, line); break;
            default: LogNativeDebug(_logger, line); break;
        }
    }

    /// <summary>Applies the model's chat template (from the GGUF) to the messages, with the assistant turn opened.</summary>
    public string ApplyChatTemplate(IEnumerable<(string Role, string Content)> messages)
    {
        var weights = _weights ?? throw new ModelUnavailableException(_state, _error);
        var list = messages.ToList();
        try
        {
            var template = new LLamaTemplate(weights) { AddAssistant = true };
            foreach (var (role, content) in list)
            {
                template.Add(role, content);
            }

            return Encoding.UTF8.GetString(template.Apply());
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or LLama.Exceptions.RuntimeError)
        {
            // No usable template in the file: ChatML is the common denominator.
            var sb = new StringBuilder();
            foreach (var (role, content) in list)
            {
                sb.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");
            }

            return sb.Append("<|im_start|>assistant\n").ToString();
        }
    }

    /// <summary>Tokenizes <paramref name="text"/> and decodes it back one token at a time through the streaming UTF-8 decoder (what generation uses).</summary>
    internal string RoundTripThroughStreamingDecoder(string text)
    {
        var weights = _weights ?? throw new ModelUnavailableException(_state, _error);
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights) { DecodeSpecialTokens = false };
        var sb = new StringBuilder();
        foreach (var token in weights.NativeHandle.Tokenize(text, false, false, Encoding.UTF8))
        {
            decoder.Add(token);
            sb.Append(decoder.Read());
        }

        return sb.ToString();
    }

    /// <summary>Token count of a text under the loaded model's tokenizer.</summary>
    public int CountTokens(string text) => Tokenize(text).Length;

    private LLamaToken[] Tokenize(string text)
    {
        var weights = _weights ?? throw new ModelUnavailableException(_state, _error);
        return weights.NativeHandle.Tokenize(text, weights.Vocab.ShouldAddBOS, special: true, Encoding.UTF8);
    }

    /// <summary>
    /// Queues a generation. The returned stream yields <see cref="QueuePositionEvent"/>s while waiting, then
    /// <see cref="TextEvent"/>s, then one <see cref="CompletedEvent"/>. Cancelling <paramref name="cancellationToken"/>
    /// (or disposing the stream) frees the sequence within one decode step.
    /// </summary>
    /// <exception cref="EngineBusyException">The queue is full.</exception>
    /// <exception cref="ModelUnavailableException">The model is not loaded.</exception>
    /// <exception cref="PromptTooLongException">The prompt does not fit one conversation's context.</exception>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _submitsInFlight); // a swap waits for submits in flight (they tokenize with the current weights)
        try
        {
            return SubmitCore(request, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _submitsInFlight);
        }
    }

    private GenerationStream SubmitCore(GenerationRequest request, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _swap) is { } swap)
        {
            throw new ModelUnavailableException(ModelState.Loading, null, $"The model is being switched to '{Path.GetFileName(swap.Path)}'; try again in a moment.");
        }

        if (_state != ModelState.Ready || _weights is null || _context is null)
        {
            throw new ModelUnavailableException(_state, _error);
        }

        var tokens = Tokenize(request.Prompt);
        if (tokens.Length == 0)
        {
            tokens = [_weights.Vocab.BOS ?? 0];
        }

        if (tokens.Length >= _contextPerSequence)
        {
            throw new PromptTooLongException(tokens.Length, _contextPerSequence);
        }

        var maxTokens = Math.Max(1, request.MaxTokens ?? _options.DefaultMaxTokens);
        var sequence = new Sequence(Interlocked.Increment(ref _nextId), request, tokens, maxTokens, _weights);
        var stream = new GenerationStream(this, sequence);
        lock (_lock)
        {
            // Waiting requests that free slots will absorb at the next step do not count against the queue.
            var freeSlots = _slots.Length - _activeCount;
            if (_waiting.Count - freeSlots >= _options.MaxQueueLength)
            {
                _rejected++;
                _rejectedCounter.Add(1);
                LogBusy(_logger, request.UserId, _waiting.Count - freeSlots);
                throw new EngineBusyException(_waiting.Count - freeSlots);
            }

            sequence.Arrival = ++_arrival;
            _waiting.Add(sequence);
            PublishQueuePositionsLocked();
        }

        sequence.Registration = cancellationToken.Register(static s => ((GenerationStream)s!).Cancel(), stream);
        _wake.Set();
        return stream;
    }

    internal void RequestCancel(Sequence sequence)
    {
        sequence.CancelRequested = true;
        _wake.Set();
    }

    /// <summary>Admission order of the waiting requests: interactive first; within a priority, users round-robin (least recently served first), each user's requests in arrival order.</summary>
    private List<Sequence> AdmissionOrderLocked()
    {
        var order = new List<Sequence>(_waiting.Count);
        foreach (var priority in (RequestPriority[])[RequestPriority.Interactive, RequestPriority.Background])
        {
            var byUser = _waiting.Where(w => w.Request.Priority == priority)
                .OrderBy(w => w.Preempted ? 0 : 1).ThenBy(w => w.Arrival)
                .GroupBy(w => w.Request.UserId)
                .Select(g => new Queue<Sequence>(g))
                .OrderBy(q => _lastServed.GetValueOrDefault(q.Peek().Request.UserId, 0)).ThenBy(q => q.Peek().Arrival)
                .ToList();
            while (byUser.Count > 0)
            {
                for (var i = 0; i < byUser.Count; i++)
                {
                    order.Add(byUser[i].Dequeue());
                }

                byUser.RemoveAll(q => q.Count == 0);
            }
        }

        return order;
    }

    private void PublishQueuePositionsLocked()
    {
        var order = AdmissionOrderLocked();
        for (var i = 0; i < order.Count; i++)
        {
            var s = order[i];
            if (s.LastPosition != i + 1)
            {
                s.LastPosition = i + 1;
                s.Output.Writer.TryWrite(new QueuePositionEvent(i + 1));
                try
                {
                    s.Request.OnQueuePosition?.Invoke(i + 1);
                }
#pragma warning disable CA1031 // a caller's callback must not break the scheduler
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogCallbackFailed(_logger, ex.Message);
                }
            }
        }
    }

    private void RunLoop()
    {
        var batch = new LLamaBatch();
        var inBatch = new List<(Sequence Seq, int LogitIndex, int Count)>(_slots.Length);
        while (!_stopping)
        {
            try
            {
                RunExclusiveWork();
                if (Volatile.Read(ref _swap) is { } swap && SwapDue(swap))
                {
                    PerformSwap(swap);
                    continue;
                }

                Schedule();
                inBatch.Clear();
                batch.Clear();
                BuildBatch(batch, inBatch);
                if (batch.TokenCount == 0)
                {
                    _wake.WaitOne(TimeSpan.FromSeconds(1));
                    continue;
                }

                if (StepPermits is { } permits && !permits.Wait(5))
                {
                    // Test hook: each decode step takes a permit, so tests can hold the loop at a known step
                    // (admission and cancellation still run while it is held).
                    continue;
                }

                var result = _context!.NativeHandle.Decode(batch);
                Interlocked.Increment(ref _steps);
                if (result != DecodeResult.Ok)
                {
                    foreach (var (seq, _, _) in inBatch)
                    {
                        Finish(seq, new GenerationFailedException($"llama.cpp decode failed ({result}) for this request; other requests continue."));
                    }

                    continue;
                }

                var generated = 0;
                foreach (var (seq, logitIndex, count) in inBatch)
                {
                    seq.Pos += count;
                    if (seq.Pos == seq.PromptTokens && count > 1)
                    {
                        MaybeCachePrefix(seq);
                    }

                    if (logitIndex >= 0)
                    {
                        generated += SampleNext(seq, logitIndex);
                    }
                }

                if (generated > 0)
                {
                    lock (_lock)
                    {
                        _totalTokens += generated;
                        var now = Stopwatch.GetTimestamp();
                        _rateWindow.Enqueue((now, generated));
                        TrimRateWindow(now);
                    }

                    _tokenCounter.Add(generated);
                }
            }
#pragma warning disable CA1031 // the loop must survive anything the native side throws and keep serving
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogLoopError(_logger, ex);
                foreach (var seq in _slots.OfType<Sequence>().Where(s => s.InBatch).ToList())
                {
                    Finish(seq, new GenerationFailedException($"The model failed while generating: {ex.Message}"));
                }
            }
        }

        foreach (var seq in _slots.OfType<Sequence>().ToList())
        {
            Finish(seq, new ModelUnavailableException(ModelState.NotLoaded, "the engine stopped"));
        }

        RunExclusiveWork();
        Interlocked.Exchange(ref _swap, null)?.Done.TrySetException(new ModelUnavailableException(ModelState.NotLoaded, "the engine stopped"));

        lock (_lock)
        {
            foreach (var w in _waiting)
            {
                w.Output.Writer.TryComplete(new ModelUnavailableException(ModelState.NotLoaded, "the engine stopped"));
            }

            _waiting.Clear();
        }
    }

    private void TrimRateWindow(long now)
    {
        var limit = Stopwatch.Frequency * 5;
        while (_rateWindow.Count > 0 && now - _rateWindow.Peek().Ticks > limit)
        {
            _rateWindow.Dequeue();
        }
    }

    /// <summary>Between steps: drop cancelled requests, park background work for waiting chat, admit waiting requests to free slots.</summary>
    private void Schedule()
    {
        foreach (var seq in _slots)
        {
            if (seq is { CancelRequested: true })
            {
                Finish(seq, null, GenerationFinish.Cancelled);
            }
        }

        lock (_lock)
        {
            var changed = _waiting.RemoveAll(w =>
            {
                if (!w.CancelRequested)
                {
                    return false;
                }

                w.Output.Writer.TryWrite(new CompletedEvent(GenerationFinish.Cancelled, w.PromptTokens, w.Generated));
                w.Output.Writer.TryComplete();
                w.Dispose();
                return true;
            }) > 0;

            if (_waiting.Count > 0)
            {
                var order = AdmissionOrderLocked();
                foreach (var next in order)
                {
                    var free = Array.IndexOf(_slots, null);
                    if (free < 0 && next.Request.Priority == RequestPriority.Interactive)
                    {
                        free = PreemptBackgroundLocked();
                    }

                    if (free < 0)
                    {
                        break;
                    }

                    _waiting.Remove(next);
                    next.SeqId = free;
                    next.Pos = ReusePrefix(next);
                    _slots[free] = next;
                    _activeCount++;
                    _lastServed[next.Request.UserId] = ++_arrival;
                    changed = true;
                }
            }

            if (changed)
            {
                PublishQueuePositionsLocked();
            }
        }
    }

    private int PrefixSeq => _options.MaxParallelSequences;

    /// <summary>Copies the cached prefix's KV into a newly admitted sequence when they share enough tokens; returns the position to continue from.</summary>
    private int ReusePrefix(Sequence seq)
    {
        var min = _options.PrefixCacheMinTokens;
        if (min <= 0 || _prefixTokens.Length < min)
        {
            return 0;
        }

        var limit = Math.Min(_prefixTokens.Length, seq.History.Count - 1); // at least one token left to decode for logits
        var common = 0;
        while (common < limit && seq.History[common] == _prefixTokens[common])
        {
            common++;
        }

        if (common < min)
        {
            return 0;
        }

        var handle = _context!.NativeHandle;
        handle.MemorySequenceRemove((LLamaSeqId)seq.SeqId, -1, -1);
        handle.MemorySequenceCopy((LLamaSeqId)PrefixSeq, (LLamaSeqId)seq.SeqId, -1, -1); // whole-stream copy (non-unified KV)
        if (common < _prefixTokens.Length)
        {
            handle.MemorySequenceRemove((LLamaSeqId)seq.SeqId, common, -1);
        }

        _prefixHits++;
        seq.ReusedPrefixTokens = common;
        return common;
    }

    /// <summary>After a prompt is evaluated, keep it as the shared prefix unless the current one already serves it.</summary>
    private void MaybeCachePrefix(Sequence seq)
    {
        var min = _options.PrefixCacheMinTokens;
        if (min <= 0 || seq.PromptTokens - 1 < min || seq.ReusedPrefixTokens >= min)
        {
            return;
        }

        var handle = _context!.NativeHandle;
        handle.MemorySequenceRemove((LLamaSeqId)PrefixSeq, -1, -1);
        handle.MemorySequenceCopy((LLamaSeqId)seq.SeqId, (LLamaSeqId)PrefixSeq, -1, -1);
        handle.MemorySequenceRemove((LLamaSeqId)PrefixSeq, seq.PromptTokens - 1, -1);
        _prefixTokens = [.. seq.History.Take(seq.PromptTokens - 1)];
    }

    /// <summary>Requests that started from the shared prefix instead of evaluating it.</summary>
    internal long PrefixHits => Interlocked.Read(ref _prefixHits);

    /// <summary>Parks the most recently admitted background sequence (its tokens are kept and re-evaluated when it resumes).</summary>
    private int PreemptBackgroundLocked()
    {
        var victim = _slots.OfType<Sequence>().Where(s => s.Request.Priority == RequestPriority.Background).OrderByDescending(s => s.Arrival).FirstOrDefault();
        if (victim is null)
        {
            return -1;
        }

        var slot = victim.SeqId;
        _context!.NativeHandle.MemorySequenceRemove((LLamaSeqId)slot, -1, -1);
        _slots[slot] = null;
        _activeCount--;
        victim.SeqId = -1;
        victim.Pos = 0;
        victim.Preempted = true;
        victim.LastPosition = 0;
        _waiting.Add(victim);
        return slot;
    }

    /// <summary>One token per generating sequence first (interactive before background), then prompt chunks within the batch budget.</summary>
    private void BuildBatch(LLamaBatch batch, List<(Sequence, int, int)> inBatch)
    {
        var budget = _options.BatchSize;
        foreach (var seq in _slots)
        {
            if (seq is not null)
            {
                seq.InBatch = false;
            }
        }

        foreach (var pass in (int[])[0, 1])
        {
            foreach (var priority in (RequestPriority[])[RequestPriority.Interactive, RequestPriority.Background])
            {
                foreach (var seq in _slots)
                {
                    if (seq is null || seq.InBatch || seq.Request.Priority != priority)
                    {
                        continue;
                    }

                    var pending = seq.History.Count - seq.Pos;
                    var isPrefill = pending > 1;
                    if (pending <= 0 || (pass == 0) == isPrefill || budget <= 0)
                    {
                        continue;
                    }

                    var count = Math.Min(pending, budget);
                    var logitIndex = -1;
                    for (var i = 0; i < count; i++)
                    {
                        var pos = seq.Pos + i;
                        var last = pos == seq.History.Count - 1;
                        var index = batch.Add(seq.History[pos], pos, (LLamaSeqId)seq.SeqId, last);
                        if (last)
                        {
                            logitIndex = index;
                        }
                    }

                    budget -= count;
                    seq.InBatch = true;
                    inBatch.Add((seq, logitIndex, count));
                }
            }
        }
    }

    /// <summary>Samples the next token of a sequence after a decode; returns 1 when a token was produced.</summary>
    private int SampleNext(Sequence seq, int logitIndex)
    {
        seq.Sampler ??= new DefaultSamplingPipeline
        {
            Temperature = seq.Request.Temperature,
            TopP = seq.Request.TopP,
            Seed = seq.Request.Seed is { } s ? unchecked((uint)s) : (uint)Random.Shared.Next(),
            LogitBias = _logitBias,
        };

        var token = seq.Sampler.Sample(_context!.NativeHandle, logitIndex);
        if (seq.Generated == 0)
        {
            var ttft = Stopwatch.GetElapsedTime(seq.SubmittedTicks).TotalMilliseconds;
            seq.TtftMs = ttft;
            _ttftHistogram.Record(ttft);
            lock (_lock)
            {
                _ttftWindow.Enqueue(ttft);
                if (_ttftWindow.Count > 512)
                {
                    _ttftWindow.Dequeue();
                }
            }
        }

        if (token.IsEndOfGeneration(_weights!.Vocab))
        {
            Finish(seq, null, GenerationFinish.EndOfText);
            return 0;
        }

        seq.Generated++;
        seq.History.Add(token);
        seq.Decoder.Add(token);
        seq.Text.Append(seq.Decoder.Read());
        var stopAt = FindStop(seq);
        if (stopAt >= 0)
        {
            seq.Text.Length = stopAt;
            Finish(seq, null, GenerationFinish.StopSequence);
            return 1;
        }

        if (seq.Generated >= seq.MaxTokens || seq.History.Count >= _contextPerSequence)
        {
            Finish(seq, null, GenerationFinish.Length);
            return 1;
        }

        Emit(seq, seq.Text.Length - HoldBack(seq));
        return 1;
    }

    private static int FindStop(Sequence seq)
    {
        var best = -1;
        foreach (var stop in seq.Request.StopSequences)
        {
            if (string.IsNullOrEmpty(stop))
            {
                continue;
            }

            var from = Math.Max(0, seq.Emitted - stop.Length);
            var at = seq.Text.ToString(from, seq.Text.Length - from).IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || from + at < best))
            {
                best = from + at;
            }
        }

        return best;
    }

    /// <summary>Characters at the end that could be the start of a stop sequence: held back until they can't be.</summary>
    private static int HoldBack(Sequence seq)
    {
        var hold = 0;
        foreach (var stop in seq.Request.StopSequences)
        {
            for (var k = Math.Min(stop.Length - 1, seq.Text.Length - seq.Emitted); k > hold; k--)
            {
                if (seq.Text.ToString(seq.Text.Length - k, k) == stop[..k])
                {
                    hold = k;
                    break;
                }
            }
        }

        return hold;
    }

    private void Emit(Sequence seq, int upTo, bool force = false)
    {
        var tokens = seq.Generated - seq.TokensReported;
        var now = Stopwatch.GetTimestamp();
        if (!force && seq.TokensReported > 0 && now - seq.LastFlushTicks < _flushTicks)
        {
            return; // batch it with the next ones: fewer reader wake-ups competing with decode
        }

        if (upTo > seq.Emitted || tokens > 0)
        {
            seq.LastFlushTicks = now;
            var text = upTo > seq.Emitted ? seq.Text.ToString(seq.Emitted, upTo - seq.Emitted) : string.Empty;
            seq.Emitted = Math.Max(seq.Emitted, upTo);
            seq.TokensReported = seq.Generated;
            seq.Output.Writer.TryWrite(new TextEvent(text, tokens));
        }
    }

    /// <summary>Removes a sequence from the batch, frees its KV cells and completes its stream.</summary>
    private void Finish(Sequence seq, Exception? error, GenerationFinish finish = GenerationFinish.EndOfText)
    {
        if (seq.SeqId >= 0)
        {
            try
            {
                _context!.NativeHandle.MemorySequenceRemove((LLamaSeqId)seq.SeqId, -1, -1);
            }
            finally
            {
                lock (_lock)
                {
                    _slots[seq.SeqId] = null;
                    _activeCount--;
                    _completed++;
                }

                seq.ReleasedAtStep = Steps;
                seq.SeqId = -1;
            }
        }

        if (error is not null)
        {
            seq.Output.Writer.TryComplete(error);
        }
        else
        {
            Emit(seq, seq.Text.Length, force: true); // text already generated is delivered, even when cancelled

            seq.Output.Writer.TryWrite(new CompletedEvent(finish, seq.PromptTokens, seq.Generated));
            seq.Output.Writer.TryComplete();
        }

        seq.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // registered under several service types, so the container may dispose it more than once
        }

        _stopping = true;
        _wake.Set();
        if (_loop is { } loop && loop != Thread.CurrentThread)
        {
            loop.Join(TimeSpan.FromSeconds(30));
        }

        RunExclusiveWork();
        LlamaNative.LineLogged -= ForwardNativeLog;
        _context?.Dispose();
        _weights?.Dispose();
        _context = null;
        _weights = null;
        if (_state == ModelState.Ready)
        {
            _state = ModelState.NotLoaded;
        }

        _meter.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the loop's thread between two decode steps, so that native work outside the
    /// engine (an evaluation context decoding) never competes with serving for llama.cpp's process-wide decode lock.
    /// Serving pauses for as long as <paramref name="work"/> runs: keep each piece short (one window, say).
    /// When no loop runs (model not loaded), the work runs on a dedicated thread instead.
    /// </summary>
    public Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                done.TrySetResult(work());
            }
#pragma warning disable CA1031 // the caller receives the failure through its task
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.TrySetException(ex);
            }
        }

        if (_loop is not { IsAlive: true } || _stopping)
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "ax-exclusive-work" };
            thread.Start();
            return done.Task;
        }

        _exclusive.Enqueue(Run);
        _wake.Set();
        return done.Task;
    }

    private void RunExclusiveWork()
    {
        while (_exclusive.TryDequeue(out var work))
        {
            work();
        }
    }

    /// <summary>
    /// Switches the served weights to <paramref name="path"/> without restarting: new requests are refused with a
    /// clear "being switched" message, running and queued generations drain (finish normally) for up to
    /// <paramref name="drainTimeout"/> and are then failed with a message saying why, the weights are swapped on the
    /// loop's thread, and serving resumes. If the new file cannot load, the previous one is loaded back.
    /// </summary>
    /// <exception cref="ModelSwapException">The file is unusable, another switch is running, or loading failed.</exception>
    /// <exception cref="ModelUnavailableException">No model is being served.</exception>
    public async Task ReloadAsync(string path, TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var hasSiteLibrary = !string.IsNullOrWhiteSpace(_options.NativeLibraryPath);
        var verdict = GgufValidator.Validate(path, allowUnknownArchitecture: hasSiteLibrary);
        if (!verdict.IsValid)
        {
            throw new ModelSwapException($"'{path}' cannot be served: {verdict}");
        }

        if (_state != ModelState.Ready || _loop is not { IsAlive: true })
        {
            throw new ModelUnavailableException(_state, _error);
        }

        var swap = new SwapRequest(Path.GetFullPath(path), verdict.Header, Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency));
        if (Interlocked.CompareExchange(ref _swap, swap, null) is not null)
        {
            throw new ModelSwapException("Another model switch is already in progress; wait for it to finish.");
        }

        _state = ModelState.Loading;
        Volatile.Write(ref _loadProgress, 0);
        LogSwapStarted(_logger, swap.Path);
        _wake.Set();
        await swap.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The loop swaps once nothing is generating, queued or being submitted, or when the drain time is up.</summary>
    private bool SwapDue(SwapRequest swap)
    {
        lock (_lock)
        {
            var idle = _activeCount == 0 && _waiting.Count == 0 && Volatile.Read(ref _submitsInFlight) == 0;
            if (idle)
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() < swap.DeadlineTicks)
            {
                return false;
            }
        }

        var reason = new GenerationFailedException($"The administrator switched the model to '{Path.GetFileName(swap.Path)}' while this answer was being generated; it was stopped. Ask again.");
        foreach (var seq in _slots.OfType<Sequence>().ToList())
        {
            Finish(seq, reason);
        }

        lock (_lock)
        {
            foreach (var w in _waiting)
            {
                w.Output.Writer.TryComplete(reason);
                w.Dispose();
            }

            _waiting.Clear();
        }

        return Volatile.Read(ref _submitsInFlight) == 0;
    }

    /// <summary>On the loop thread with nothing in flight: drop the old weights, load the new ones (or the old ones back), resume.</summary>
    private void PerformSwap(SwapRequest swap)
    {
        var oldPath = _info?.Path;
        var mark = LlamaNative.Mark();
        _context?.Dispose();
        _weights?.Dispose();
        _context = null;
        _weights = null;
        var parameters = BuildParameters(swap.Path, _options);
        Exception? failure = null;
        try
        {
            _weights = LLamaWeights.LoadFromFile(parameters);
            _context = _weights.CreateContext(parameters);
            AdoptLoadedModel(swap.Path, swap.Header, parameters, mark);
        }
#pragma warning disable CA1031 // a failed load must leave the engine serving the old model, never crash the process
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var native = LlamaNative.ProblemsSince(mark);
            failure = new ModelSwapException($"llama.cpp could not load '{swap.Path}': {(native.Count > 0 ? string.Join(" | ", native.TakeLast(3)) : ex.Message)}. The previous model is served again.");
            _context?.Dispose();
            _weights?.Dispose();
            _context = null;
            _weights = null;
            if (oldPath is not null)
            {
                try
                {
                    var back = BuildParameters(oldPath, _options);
                    _weights = LLamaWeights.LoadFromFile(back);
                    _context = _weights.CreateContext(back);
                    AdoptLoadedModel(oldPath, GgufValidator.Validate(oldPath, allowUnknownArchitecture: true).Header, back, mark);
                }
#pragma warning disable CA1031
                catch (Exception again)
#pragma warning restore CA1031
                {
                    Volatile.Write(ref _swap, null);
                    Fail($"Switching to '{swap.Path}' failed and the previous model '{oldPath}' could not be loaded back: {again.Message}");
                    swap.Done.TrySetException(failure);
                    return;
                }
            }
        }

        Volatile.Write(ref _loadProgress, 1);
        _state = ModelState.Ready;
        Volatile.Write(ref _swap, null);
        if (failure is not null)
        {
            LogSwapFailed(_logger, swap.Path, failure.Message);
            swap.Done.TrySetException(failure);
            return;
        }

        LogSwapped(_logger, oldPath ?? "-", swap.Path);
        var path = swap.Path;
        _ = Task.Run(() => ComputeSha256Async(path), CancellationToken.None);
        swap.Done.TrySetResult();
    }

    private sealed record SwapRequest(string Path, GgufHeader? Header, long DeadlineTicks)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Switching the served model to {Path}: draining running generations")]
    private static partial void LogSwapStarted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Served model switched from {OldPath} to {NewPath}")]
    private static partial void LogSwapped(ILogger logger, string oldPath, string newPath);

    [LoggerMessage(Level = LogLevel.Error, Message = "Switching the served model to {Path} failed: {Reason}")]
    private static partial void LogSwapFailed(ILogger logger, string path, string reason);

    [GeneratedRegex(@"offloaded (\d+/\d+) layers to GPU")]
    private static partial Regex OffloadedRegex();

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {FileName} ready: {Architecture}, {Parameters} parameters, native library {Backend}")]
    private static partial void LogModelReady(ILogger logger, string fileName, string architecture, ulong parameters, string backend);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model unavailable: {Reason}")]
    private static partial void LogModelFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hash model file {Path}: {Reason}")]
    private static partial void LogHashFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "llama.cpp: {Line}")]
    private static partial void LogNativeError(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "llama.cpp: {Line}")]
    private static partial void LogNativeWarning(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "llama.cpp: {Line}")]
    private static partial void LogNativeDebug(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Busy: request from {UserId} rejected, {Waiting} waiting")]
    private static partial void LogBusy(ILogger logger, string userId, int waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A queue-position callback failed: {Reason}")]
    private static partial void LogCallbackFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The inference loop caught a failure; affected requests were failed, the loop continues")]
    private static partial void LogLoopError(ILogger logger, Exception exception);

    /// <summary>The loop's state for one request.</summary>
    internal sealed class Sequence(long id, GenerationRequest request, LLamaToken[] prompt, int maxTokens, LLamaWeights weights) : IDisposable
    {
        public long Id { get; } = id;
        public GenerationRequest Request { get; } = request;
        public int PromptTokens { get; } = prompt.Length;
        public int MaxTokens { get; } = maxTokens;
        public List<LLamaToken> History { get; } = [.. prompt];
        public Channel<GenerationEvent> Output { get; } = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true });
        public StreamingTokenDecoder Decoder { get; } = new(Encoding.UTF8, weights) { DecodeSpecialTokens = false };
        public StringBuilder Text { get; } = new();
        public long SubmittedTicks { get; } = Stopwatch.GetTimestamp();
        public DefaultSamplingPipeline? Sampler { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
        public long Arrival { get; set; }
        public int SeqId { get; set; } = -1;
        public int Pos { get; set; }
        public int Generated { get; set; }
        public int TokensReported { get; set; }
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
}

/// <summary>The caller's handle on one queued or running generation.</summary>
public sealed class GenerationStream : IDisposable
{
    private readonly InferenceEngine _engine;

    internal GenerationStream(InferenceEngine engine, InferenceEngine.Sequence sequence)
    {
        _engine = engine;
        Sequence = sequence;
    }

    internal InferenceEngine.Sequence Sequence { get; }

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
    public void Cancel() => _engine.RequestCancel(Sequence);

    public void Dispose()
    {
        if (!Sequence.Output.Reader.Completion.IsCompleted)
        {
            Cancel();
        }
    }
}
