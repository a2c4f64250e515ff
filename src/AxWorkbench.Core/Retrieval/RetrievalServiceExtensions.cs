using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Retrieval;

public static class RetrievalServiceExtensions
{
    /// <summary>Libraries, chunk store, indexes (opened or rebuilt at start), search, and filing stored documents in libraries. Needs AddWorkbenchData first.</summary>
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<RetrievalOptions>()
            .Bind(builder.Configuration.GetSection(RetrievalOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.OverlapWords < o.ChunkWords, "Retrieval:OverlapWords must be less than Retrieval:ChunkWords.")
            .Validate(_ => builder.Configuration[$"{RetrievalOptions.SectionName}:RrfK"] is null,
                "Retrieval:RrfK is no longer read: hybrid search fuses scores, not ranks. Remove it; set Retrieval:FusionBm25Weight and Retrieval:FusionPinMargin instead.")
            .Validate(o => o.Embedder != "Gguf" || File.Exists(o.EmbeddingModelPath),
                "Retrieval:EmbeddingModelPath must name an existing GGUF file when Retrieval:Embedder is 'Gguf'.");
        builder.Services.AddSingleton<IValidateOptions<RetrievalOptions>, RemoteEmbeddingsValidation>();
        builder.Services.AddHttpClient(RemoteEmbeddingsClient);
        builder.AddWorkbenchData();
        builder.AddJobQueue(); // embedding is claimed once across nodes (jobs of kind "embed")
        builder.Services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RetrievalOptions>>().Value;
            return options.Embedder switch
            {
                "MiniLm" => new MiniLmEmbeddingGenerator { BatchSize = options.EmbeddingBatchSize, Threads = options.EmbeddingThreads, Quantized = options.EmbeddingInt8, MaxTokens = options.EmbeddingMaxTokens },
                "Gguf" => ProfiledEmbeddingGenerator.ForGguf(options),
                "Remote" => ProfiledEmbeddingGenerator.ForRemote(options.RemoteEmbeddings, sp.GetRequiredService<IHttpClientFactory>().CreateClient(RemoteEmbeddingsClient)),
                _ => new NoEmbeddingGenerator(),
            };
        });
        builder.Services.AddSingleton<RetrievalIndexHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetrievalIndexHost>());
        builder.Services.AddSingleton<RetrievalService>();
        // A deleted document leaves libraries and every node's index in the deletion's transaction.
        builder.Services.AddSingleton<Documents.IDocumentRemoval>(sp => sp.GetRequiredService<RetrievalService>());
        builder.Services.AddHostedService<EmbeddingWorker>();
        // Needs an IChatClient and an ITokenCounter (the Inference feature); resolved only when answering is used.
        builder.Services.AddSingleton(sp => new CitedAnswerService(
            sp.GetRequiredService<RetrievalService>(), sp.GetRequiredService<RetrievalIndexHost>(), sp.GetRequiredService<IChatClient>(),
            sp.GetRequiredService<Inference.ITokenCounter>()));
        // Stored documents into libraries; needs AddDocuments and the audit log, resolved only when used.
        builder.Services.AddSingleton<LibraryIndexing>();
        return builder;
    }

    private const string RemoteEmbeddingsClient = "AxWorkbench.RemoteEmbeddings";

    /// <summary>Retrieval:RemoteEmbeddings is checked only when it is used (Embedder "Remote"), each problem named.</summary>
    internal sealed class RemoteEmbeddingsValidation : IValidateOptions<RetrievalOptions>
    {
        public ValidateOptionsResult Validate(string? name, RetrievalOptions options) =>
            options.Embedder != "Remote" ? ValidateOptionsResult.Skip
            : options.RemoteEmbeddings.Validate().Select(r => r.ErrorMessage!).ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems)
            : ValidateOptionsResult.Success;
    }

    /// <summary>An embedder of Inference (GGUF, remote) with the profile retrieval needs: its id and the languages it reads.</summary>
    internal sealed class ProfiledEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbedderProfile profile)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        /// <summary>A remote endpoint's vectors: the id names the server, model and length, so changing any re-embeds the libraries.</summary>
        public static ProfiledEmbeddingGenerator ForRemote(Inference.Remote.RemoteEmbeddingOptions options, HttpClient http)
        {
            var languages = options.Languages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return new ProfiledEmbeddingGenerator(new Inference.Remote.RemoteEmbeddingGenerator(options, http),
                new EmbedderProfile($"remote:{options.Model}@{options.Endpoint!.TrimEnd('/')}/{options.Dimensions}", options.Dimensions, languages));
        }

        public static ProfiledEmbeddingGenerator ForGguf(RetrievalOptions options)
        {
            var path = options.EmbeddingModelPath!;
            var inner = new Inference.GgufEmbeddingGenerator(path);
            using var file = File.OpenRead(path);
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file))[..16];
            var languages = options.EmbeddingLanguages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return new ProfiledEmbeddingGenerator(inner, new EmbedderProfile($"gguf:{Path.GetFileName(path)}:{hash}", inner.Dimensions, languages));
        }

        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(EmbedderProfile) ? profile : base.GetService(serviceType, serviceKey);
    }

    /// <summary>Stands for "no embedder configured": BM25 only.</summary>
    internal sealed class NoEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("No embedder is configured (Retrieval:Embedder is 'None').");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
