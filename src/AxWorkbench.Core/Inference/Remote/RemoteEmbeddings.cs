using System.ClientModel;
using System.ClientModel.Primitives;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// An OpenAI-compatible embeddings endpoint that embeds this node's library text (section "Retrieval:RemoteEmbeddings",
/// used when <c>Retrieval:Embedder</c> is "Remote"): another workbench's <c>/v1</c> (its MiniLM or GGUF embedder), or
/// a site's embedding server. The key is read from a file, never from appsettings.
/// </summary>
public sealed class RemoteEmbeddingOptions
{
    /// <summary>The API's base address with its version path: "http://inference-node:5080/v1".</summary>
    public string? Endpoint { get; set; }

    /// <summary>The embedding model id sent with each request.</summary>
    public string? Model { get; set; }

    /// <summary>A file whose first line is the API key. Empty: no key is sent.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>The length of the vectors the model returns (384 for MiniLM); a vector of another length is refused.</summary>
    public int Dimensions { get; set; }

    /// <summary>The languages the model reads, comma separated ("en" for MiniLM, "en,ko" for a multilingual model).</summary>
    public string Languages { get; set; } = "en";

    /// <summary>How long one embeddings request may take.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Each problem with a message that names the setting.</summary>
    public IEnumerable<ValidationResult> Validate()
    {
        const string Section = "Retrieval:RemoteEmbeddings";
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            yield return new ValidationResult($"{Section}:Endpoint is required when Retrieval:Embedder is 'Remote' (e.g. \"http://inference-node:5080/v1\").");
        }
        else if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"{Section}:Endpoint '{Endpoint}' is not an absolute http:// or https:// address.");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult($"{Section}:Model is required when Retrieval:Embedder is 'Remote'.");
        }

        if (Dimensions is < 1 or > 65_536)
        {
            yield return new ValidationResult($"{Section}:Dimensions must be the length of the model's vectors (e.g. 384 for MiniLM); it is {Dimensions}.");
        }

        if (!string.IsNullOrWhiteSpace(ApiKeyFile) && !File.Exists(ApiKeyFile))
        {
            yield return new ValidationResult($"{Section}:ApiKeyFile '{ApiKeyFile}' does not exist.");
        }

        if (TimeoutSeconds < 1)
        {
            yield return new ValidationResult($"{Section}:TimeoutSeconds must be at least 1.");
        }
    }

    /// <summary>The key (first line of <see cref="ApiKeyFile"/>), or null when none is configured.</summary>
    public string? ReadApiKey() =>
        string.IsNullOrWhiteSpace(ApiKeyFile) ? null : File.ReadLines(ApiKeyFile).FirstOrDefault()?.Trim();
}

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> over the official OpenAI client on the given HttpClient, that
/// refuses vectors of the wrong length and says which server failed, in words an operator can act on.
/// </summary>
public sealed class RemoteEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly RemoteEmbeddingOptions _options;

    public RemoteEmbeddingGenerator(RemoteEmbeddingOptions options, HttpClient http)
        : base(Create(options, http))
    {
        _options = options;
    }

    private static IEmbeddingGenerator<string, Embedding<float>> Create(RemoteEmbeddingOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new OpenAIClient(new ApiKeyCredential(options.ReadApiKey() ?? "no-key"), new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint!),
            Transport = new HttpClientPipelineTransport(http),
            NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        });
        return client.GetEmbeddingClient(options.Model).AsIEmbeddingGenerator(options.Dimensions);
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        GeneratedEmbeddings<Embedding<float>> embeddings;
        try
        {
            embeddings = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException or TimeoutException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new RemoteInferenceException($"The embeddings server {_options.Endpoint} failed: {ex.Message}", ex);
        }

        foreach (var embedding in embeddings)
        {
            if (embedding.Vector.Length != _options.Dimensions)
            {
                throw new RemoteInferenceException(
                    $"The embeddings server {_options.Endpoint} returned vectors of {embedding.Vector.Length} numbers; Retrieval:RemoteEmbeddings:Dimensions says {_options.Dimensions}.");
            }
        }

        return embeddings;
    }
}
