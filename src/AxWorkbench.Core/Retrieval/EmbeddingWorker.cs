using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// Gives documents added to libraries their vectors in the background, one document at a time: at start it takes up
/// every document left <see cref="RetrievalDocumentStatus.Indexing"/> (work pending at the last stop), then waits for the
/// next addition.
/// </summary>
public sealed partial class EmbeddingWorker(RetrievalService retrieval, RetrievalIndexHost host, ILogger<EmbeddingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await host.GetAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before looking for work, so an addition made while the last document was embedded is not missed.
                var next = retrieval.NextChange;
                if (!await retrieval.EmbedNextAsync(stoppingToken))
                {
                    await next.WaitAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedding worker stopped; documents still indexing are taken up at the next start")]
    private static partial void LogStopped(ILogger logger);
}
