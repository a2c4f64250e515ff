using LLama.Native;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The served model and what the model page and /healthz read of it: NotLoaded → Loading → Ready or Failed (with the
/// reason), the load progress, the description (SHA-256 added once hashed in the background), and the weights
/// themselves. Loading and switching go through <see cref="ModelLoader"/> and <see cref="HotSwap"/>; a bad model sets
/// Failed and never throws.
/// </summary>
internal sealed class ModelHost(InferenceOptions options, ILogger logger, Action onAdopted) : IDisposable
{
    private volatile LoadedModel? _model;
    private volatile ModelState _state = ModelState.NotLoaded;
    private volatile string? _error;
    private volatile ModelInfo? _info;
    private double _progress;

    public ModelState State => _state;
    public string? Error => _error;
    public ModelInfo? Info => _info;
    public double LoadProgress => Volatile.Read(ref _progress);

    /// <summary>The weights being served; null while none are.</summary>
    public LoadedModel? Current => _model;

    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public LoadedModel Require() => _model ?? throw new ModelUnavailableException(_state, _error);

    /// <summary>The configured model's path (the fixture is written when none is configured); null, with State Failed, when it cannot be written.</summary>
    public string? BeginLoad()
    {
        if (_state is ModelState.Loading or ModelState.Ready)
        {
            return null;
        }

        _state = ModelState.Loading;
        Volatile.Write(ref _progress, 0);
        try
        {
            return ModelLoader.ResolvePath(options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail($"The fixture model could not be written to '{options.FixtureDirectory}': {ex.Message}");
            return null;
        }
    }

    /// <summary>Loads <paramref name="path"/>; true when the weights are in (call <see cref="MarkReady"/> once serving can start).</summary>
    public async Task<bool> LoadAsync(string path, bool validate, CancellationToken cancellationToken)
    {
        _state = ModelState.Loading;
        LlamaNative.LineLogged -= ForwardNativeLog;
        LlamaNative.LineLogged += ForwardNativeLog;
        ModelLoader.Outcome outcome;
        try
        {
            outcome = await ModelLoader.LoadAsync(path, validate, options, new Progress<float>(p => Volatile.Write(ref _progress, p)), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _state = ModelState.NotLoaded;
            throw;
        }

        if (outcome.Model is not { } model)
        {
            Fail(outcome.Failure ?? "The model could not be loaded.");
            return false;
        }

        Adopt(model, outcome.Header, outcome.Mark);
        return true;
    }

    public void MarkReady()
    {
        Volatile.Write(ref _progress, 1);
        _error = null;
        _state = ModelState.Ready;
        EngineLog.ModelReady(logger, _info!.FileName, _info.Architecture, _info.ParameterCount, _info.Backend ?? "?");
        HashInBackground(_info.Path);
    }

    /// <summary>A switch was accepted: Loading until it is done.</summary>
    public void BeginSwap()
    {
        _state = ModelState.Loading;
        Volatile.Write(ref _progress, 0);
    }

    /// <summary>On the loop thread with nothing in flight: drop the old weights, load the new ones (or the old ones back), resume; completes <paramref name="swap"/>.</summary>
    public void Swap(SwapRequest swap, HotSwap hotSwap)
    {
        var old = _model;
        _model = null;
        var outcome = HotSwap.Replace(old, swap, options);
        if (outcome.Model is not { } model)
        {
            hotSwap.End();
            Fail(outcome.Fatal ?? outcome.Failure?.Message ?? "The model could not be loaded.");
            swap.Done.TrySetException(outcome.Failure ?? new ModelSwapException(_error!));
            return;
        }

        Adopt(model, outcome.Header, outcome.Mark);
        Volatile.Write(ref _progress, 1);
        _state = ModelState.Ready;
        hotSwap.End();
        if (outcome.Failure is { } failure)
        {
            EngineLog.SwapFailed(logger, swap.Path, failure.Message);
            swap.Done.TrySetException(failure);
            return;
        }

        EngineLog.Swapped(logger, outcome.OldPath ?? "-", swap.Path);
        HashInBackground(swap.Path);
        swap.Done.TrySetResult();
    }

    private void Adopt(LoadedModel model, GgufHeader? header, long mark)
    {
        onAdopted();
        _model = model;
        _info = model.Describe(header, options, mark);
    }

    private void HashInBackground(string path) => _ = Task.Run(async () =>
    {
        try
        {
            var hash = await ModelLoader.HashAsync(path).ConfigureAwait(false);
            if (_info is { } info && info.Path == Path.GetFullPath(path))
            {
                _info = info with { Sha256 = hash };
            }
        }
        catch (IOException ex)
        {
            EngineLog.HashFailed(logger, path, ex.Message);
        }
    }, CancellationToken.None);

    private void Fail(string reason)
    {
        _error = reason;
        _state = ModelState.Failed;
        EngineLog.ModelFailed(logger, reason);
    }

    private void ForwardNativeLog(LLamaLogLevel level, string line) => EngineLog.Native(logger, level, line);

    public void Dispose()
    {
        LlamaNative.LineLogged -= ForwardNativeLog;
        _model?.Dispose();
        _model = null;
        if (_state == ModelState.Ready)
        {
            _state = ModelState.NotLoaded;
        }
    }
}
