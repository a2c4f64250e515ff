using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// Gives documents added to libraries their vectors in the background, one document at a time: at start it takes up
/// every document left <see cref="RetrievalDocumentStatus.Indexing"/> (work pending at the last stop), then waits for the
/// next addition. Across nodes each document is embedded once (<see cref="RetrievalService.EmbedNextAsync"/> claims it
/// from the shared jobs table); an idle worker polls for documents other nodes added or left behind when they died.
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
                    // Woken by this node's additions at once; another node's (or a dead node's abandoned) work is seen at the next poll.
                    try
                    {
                        await next.WaitAsync(retrieval.EmbeddingPoll, stoppingToken);
                    }
                    catch (TimeoutException)
                    {
                    }
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
