using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The one owner of the model: loads the weights once, then runs a continuous-batching loop on one dedicated thread.
/// A facade over its parts: <see cref="ModelHost"/> and <see cref="ModelLoader"/> (the served model, validation, loading), <see cref="RequestScheduler"/> and
/// <see cref="FairQueue{T}"/> (admission: bounded queue, priorities, round-robin between users), <see cref="DecodeStep"/>
/// (batch, decode, sampling, stop sequences, UTF-8 streaming), <see cref="PrefixCache"/>, <see cref="HotSwap"/>,
/// <see cref="ExclusiveWork"/> and <see cref="EngineMeters"/>.
/// </summary>
public sealed class InferenceEngine : IModelStatus, IDisposable
{
    public const string MeterName = "AxWorkbench.Inference";

    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private readonly IStepGate _gate;
    private readonly AutoResetEvent _wake = new(false);
    private readonly RequestScheduler _scheduler;
    private readonly PrefixCache _prefixCache;
    private readonly EngineMeters _meters;
    private readonly DecodeStep _step;
    private readonly ExclusiveWork _exclusive = new();
    private readonly HotSwap _swap = new();
    private readonly ModelHost _host;
    private Thread? _loop;
    private volatile bool _stopping;
    private long _nextId;
    private int _disposed;

    public InferenceEngine(IOptions<InferenceOptions> options, ILogger<InferenceEngine>? logger = null)
        : this(options, logger, OpenStepGate.Instance)
    {
    }

    /// <summary>With the gate every decode step passes first (tests hold the loop with one).</summary>
    internal InferenceEngine(IOptions<InferenceOptions> options, ILogger<InferenceEngine>? logger, IStepGate gate)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _gate = gate;
        _scheduler = new RequestScheduler(_options.MaxParallelSequences, _options.MaxQueueLength, _logger);
        _prefixCache = new PrefixCache(_options.PrefixCacheMinTokens, prefixSequence: _options.MaxParallelSequences);
        _meters = new EngineMeters(() => _scheduler.QueueDepth, () => _scheduler.ActiveCount);
        _step = new DecodeStep(_scheduler, _prefixCache, _meters, _options);
        _host = new ModelHost(_options, _logger, onAdopted: _prefixCache.Reset);
    }

    public ModelState State => _host.State;
    public string? Error => _host.Error;
    public ModelInfo? Info => _host.Info;

    /// <summary>
    /// The served model's file name: the loaded one, or while the first load runs the configured one, so a client that
    /// lists the models during start-up gets the name it will be served under (and a "loading" refusal until then).
    /// </summary>
    public string? ModelFileName => _host.Info?.FileName ?? (string.IsNullOrEmpty(_options.ModelPath) ? null : Path.GetFileName(_options.ModelPath));
    public double LoadProgress => _host.LoadProgress;

    /// <summary>Decode steps run so far (one native decode call each).</summary>
    public long Steps => _meters.Steps;

    /// <summary>Requests that started from the shared prefix instead of evaluating it.</summary>
    internal long PrefixHits => _prefixCache.Hits;

    /// <summary>Where the loop's time went so far (batch building, decode, sampling, emitting, scheduling, waits, the loop thread's CPU time); subtract two snapshots with <see cref="EngineProfile.Since"/>.</summary>
    public EngineProfile Profile => _step.Profile.Snapshot();

    public EngineMetrics Metrics => _meters.Snapshot(_scheduler.QueueDepth, _scheduler.ActiveCount, _scheduler.Rejected, _scheduler.Completed);

    private LoadedModel Model => _host.Require();

    private bool LoopRunning => _loop is { IsAlive: true } && !_stopping;

    /// <summary>Resolves, validates and loads the configured model, then starts the loop. Never throws for a bad model: it sets State Failed with the reason.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (_host.BeginLoad() is { } path)
        {
            await LoadPathAsync(path, validate: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Loads <paramref name="path"/>; <paramref name="validate"/> false skips the managed check (tests of the native-log path).</summary>
    internal async Task LoadPathAsync(string path, bool validate, CancellationToken cancellationToken)
    {
        if (await _host.LoadAsync(path, validate, cancellationToken).ConfigureAwait(false))
        {
            _stopping = false;
            _loop = new Thread(RunLoop) { IsBackground = true, Name = "ax-inference-loop" };
            _loop.Start();
            _host.MarkReady();
        }
    }

    /// <summary>Applies the model's chat template (from the GGUF) to the messages, with the assistant turn opened.</summary>
    public string ApplyChatTemplate(IEnumerable<(string Role, string Content)> messages) => Model.ApplyChatTemplate([.. messages]);

    /// <summary>Tokenizes <paramref name="text"/> and decodes it back one token at a time through the streaming UTF-8 decoder (what generation uses).</summary>
    internal string RoundTripThroughStreamingDecoder(string text)
    {
        var model = Model;
        var decoder = new Utf8PieceDecoder();
        var buffer = new byte[64];
        var sb = new System.Text.StringBuilder();
        foreach (var token in model.TokenizeText(text))
        {
            sb.Append(decoder.Add(model.Piece(token, ref buffer)));
        }

        return sb.ToString();
    }

    /// <summary>Token count of a prompt under the loaded model's tokenizer (BOS when the model adds one, special tokens parsed).</summary>
    public int CountTokens(string text) => Model.TokenizePrompt(text).Length;

    /// <summary>Token count of plain text: no BOS, special-token text counted as text.</summary>
    internal int CountTextTokens(string text) => Model.TokenizeText(text).Length;

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
        _swap.SubmitStarted(); // a swap waits for submits in flight (they tokenize with the current weights)
        try
        {
            if (_swap.Pending is { } swap)
            {
                throw new ModelUnavailableException(ModelState.Loading, null, $"The model is being switched to '{Path.GetFileName(swap.Path)}'; try again in a moment.");
            }

            if (_host.State != ModelState.Ready || _host.Current is not { } model)
            {
                throw new ModelUnavailableException(_host.State, _host.Error);
            }

            var tokens = model.TokenizePrompt(request.Prompt);
            if (tokens.Length == 0)
            {
                tokens = [model.Bos ?? 0];
            }

            if (tokens.Length >= model.ContextPerSequence)
            {
                throw new PromptTooLongException(tokens.Length, model.ContextPerSequence);
            }

            var maxTokens = Math.Max(1, request.MaxTokens ?? _options.DefaultMaxTokens);
            var sequence = new Sequence(Interlocked.Increment(ref _nextId), request, tokens, maxTokens);
            var stream = new GenerationStream(sequence, RequestCancel);
            _scheduler.Enqueue(sequence, _meters.Rejected);
            sequence.Registration = cancellationToken.Register(static s => ((GenerationStream)s!).Cancel(), stream);
            _wake.Set();
            return stream;
        }
        finally
        {
            _swap.SubmitEnded();
        }
    }

    private void RequestCancel(Sequence sequence)
    {
        sequence.CancelRequested = true;
        _wake.Set();
    }

    /// <summary>The decode loop's nice value once it runs (Linux, <see cref="InferenceOptions.DecodeNice"/> above 0); null otherwise.</summary>
    internal int? DecodeNiceValue { get; private set; }

    private void RunLoop()
    {
        // Before the first decode: llama.cpp's worker threads are made from this one and inherit its priority.
        DecodeNiceValue = ThreadNice.Lower(_options.DecodeNice);
        var profile = _step.Profile;
        profile.BindToCurrentThread();
        while (!_stopping)
        {
            try
            {
                _exclusive.RunPending();
                if (_swap.Pending is { } swap && _swap.IsDue(swap, _scheduler, _step, _host.Current))
                {
                    _host.Swap(swap, _swap);
                    continue;
                }

                if (_host.Current is not { } model)
                {
                    _wake.WaitOne(TimeSpan.FromSeconds(1)); // a switch failed and nothing could be loaded back: nothing to serve
                    continue;
                }

                var t0 = Stopwatch.GetTimestamp();
                _step.FinishCancelled(model);
                _scheduler.Admit(model, seq => _prefixCache.Reuse(seq, model));
                profile.Scheduled(Stopwatch.GetTimestamp() - t0);
                if (!_step.Run(model, _gate))
                {
                    var t1 = Stopwatch.GetTimestamp();
                    _wake.WaitOne(TimeSpan.FromSeconds(1));
                    profile.Waited(Stopwatch.GetTimestamp() - t1);
                }
            }
#pragma warning disable CA1031 // the loop must survive anything the native side throws and keep serving
            catch (Exception ex)
#pragma warning restore CA1031
            {
                EngineLog.LoopError(_logger, ex);
                _step.FailAdmitted(_host.Current, new GenerationFailedException($"The model failed while generating: {ex.Message}"), inBatchOnly: true);
            }
        }

        var stopped = new ModelUnavailableException(ModelState.NotLoaded, "the engine stopped");
        _step.FailAdmitted(_host.Current, stopped);
        _exclusive.RunPending();
        _swap.End()?.Done.TrySetException(stopped);
        _scheduler.FailWaiting(stopped, dispose: false);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the loop's thread between two decode steps, so that native work outside the
    /// engine (an evaluation context decoding) never competes with serving for llama.cpp's process-wide decode lock.
    /// Serving pauses for as long as <paramref name="work"/> runs: keep each piece short (one window, say).
    /// When no loop runs (model not loaded), the work runs on a dedicated thread instead.
    /// </summary>
    public Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken = default) =>
        _exclusive.Run(work, LoopRunning, () => _wake.Set(), cancellationToken);

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
        var verdict = ModelLoader.Validate(path, _options);
        if (!verdict.IsValid)
        {
            throw new ModelSwapException($"'{path}' cannot be served: {verdict}");
        }

        if (_host.State != ModelState.Ready || _loop is not { IsAlive: true })
        {
            throw new ModelUnavailableException(_host.State, _host.Error);
        }

        var swap = new SwapRequest(Path.GetFullPath(path), verdict.Header, Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency));
        if (!_swap.TryBegin(swap))
        {
            throw new ModelSwapException("Another model switch is already in progress; wait for it to finish.");
        }

        _host.BeginSwap();
        EngineLog.SwapStarted(_logger, swap.Path);
        _wake.Set();
        await swap.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
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

        _exclusive.RunPending();
        _host.Dispose();
        _meters.Dispose();
        _wake.Dispose();
    }
}
