using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// An OpenAI-compatible server that does the inference for this node (section "Inference:Remote"): vLLM, SGLang,
/// llama.cpp's llama-server, or another workbench's <c>/v1</c>. The key is read from a file, never from appsettings.
/// </summary>
public sealed class RemoteInferenceOptions
{
    /// <summary>The API's base address, with its version path: "http://gpu-node:5080/v1" (a workbench), "http://vllm:8000/v1".</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model id the server serves (its GET /models lists them).</summary>
    public string? Model { get; set; }

    /// <summary>A file whose first line is the API key (for a workbench: the secret `keys add` printed). Empty: no key is sent.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>Name on the model page (default: the model id).</summary>
    public string? DisplayName { get; set; }

    /// <summary>How long to wait for the server to answer a request (the response's start; streaming then runs as long as it runs).</summary>
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>Tries again this many times when the server cannot be reached or answers 502/503/504, always before the first token.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>Calls this node makes at once; the rest wait in the node's fair queue with positions.</summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Calls that may wait for one of <see cref="MaxConcurrentRequests"/>; beyond this the node answers busy.</summary>
    public int MaxQueueLength { get; set; } = 64;

    /// <summary>The remote model's context per conversation (prompt budgets are estimated against it).</summary>
    public int ContextSize { get; set; } = 4096;

    /// <summary>Reachability is probed (GET models) this often for the model page and /healthz.</summary>
    public int ProbeIntervalSeconds { get; set; } = 10;

    /// <summary>Each problem with a message that names the setting.</summary>
    public IEnumerable<ValidationResult> Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            yield return new ValidationResult("Inference:Remote:Endpoint is required when Inference:Provider is 'OpenAICompatible' (e.g. \"http://gpu-node:5080/v1\").", [nameof(Endpoint)]);
        }
        else if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Inference:Remote:Endpoint '{Endpoint}' is not an absolute http:// or https:// address.", [nameof(Endpoint)]);
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult("Inference:Remote:Model is required when Inference:Provider is 'OpenAICompatible' (the id the server's GET /models lists).", [nameof(Model)]);
        }

        if (!string.IsNullOrWhiteSpace(ApiKeyFile) && !File.Exists(ApiKeyFile))
        {
            yield return new ValidationResult($"Inference:Remote:ApiKeyFile '{ApiKeyFile}' does not exist.", [nameof(ApiKeyFile)]);
        }

        foreach (var (name, value, min, max) in new[]
        {
            (nameof(TimeoutSeconds), TimeoutSeconds, 1, 3600),
            (nameof(Retries), Retries, 0, 10),
            (nameof(MaxConcurrentRequests), MaxConcurrentRequests, 1, 1024),
            (nameof(MaxQueueLength), MaxQueueLength, 0, 100_000),
            (nameof(ContextSize), ContextSize, 128, 1_048_576),
            (nameof(ProbeIntervalSeconds), ProbeIntervalSeconds, 1, 3600),
        })
        {
            if (value < min || value > max)
            {
                yield return new ValidationResult($"Inference:Remote:{name} must be between {min} and {max} (it is {value}).", [name]);
            }
        }
    }

    /// <summary>The key from <see cref="ApiKeyFile"/> (first non-empty line), or null when no file is set.</summary>
    public string? ReadApiKey()
    {
        if (string.IsNullOrWhiteSpace(ApiKeyFile))
        {
            return null;
        }

        var key = File.ReadLines(ApiKeyFile).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return key ?? throw new RemoteInferenceException($"Inference:Remote:ApiKeyFile '{ApiKeyFile}' is empty.");
    }
}
