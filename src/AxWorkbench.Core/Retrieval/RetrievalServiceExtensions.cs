using AxWorkbench.Core.Data;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Retrieval;

public static class RetrievalServiceExtensions
{
    /// <summary>Libraries, chunk store, indexes (opened or rebuilt at start) and search. Needs AddWorkbenchData first.</summary>
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<RetrievalOptions>()
            .Bind(builder.Configuration.GetSection(RetrievalOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.OverlapWords < o.ChunkWords, "Retrieval:OverlapWords must be less than Retrieval:ChunkWords.");
        builder.AddWorkbenchDbContext<RetrievalDbContext>(RetrievalDbContext.HistoryTable);
        builder.Services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
            sp.GetRequiredService<IOptions<RetrievalOptions>>().Value.Embedder == "MiniLm"
                ? new MiniLmEmbeddingGenerator { BatchSize = sp.GetRequiredService<IOptions<RetrievalOptions>>().Value.EmbeddingBatchSize }
                : new NoEmbeddingGenerator());
        builder.Services.AddSingleton<RetrievalIndexHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetrievalIndexHost>());
        builder.Services.AddSingleton<RetrievalService>();
        // Needs an IChatClient (the Inference feature); resolved only when answering is used.
        builder.Services.AddSingleton(sp => new CitedAnswerService(
            sp.GetRequiredService<RetrievalService>(), sp.GetRequiredService<RetrievalIndexHost>(), sp.GetRequiredService<IChatClient>()));
        return builder;
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
