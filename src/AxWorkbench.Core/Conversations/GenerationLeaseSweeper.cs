using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Conversations;

/// <summary>
/// Runs on every node: each <see cref="ConversationOptions.GenerationHeartbeatSeconds"/> it marks answers still
/// <see cref="MessageStatus.Generating"/> whose lease expired (their node was killed or lost the database) as
/// <see cref="MessageStatus.Interrupted"/>, so a user who reloads on another node sees the turn ended, with its text,
/// within the lease and one sweep.
/// </summary>
public sealed partial class GenerationLeaseSweeper(
    ConversationService conversations, IOptions<ConversationOptions> options, ILogger<GenerationLeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.GenerationHeartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var swept = await conversations.InterruptExpiredAsync(stoppingToken);
                    if (swept > 0)
                    {
                        LogSwept(logger, swept);
                    }
                }
                catch (System.Data.Common.DbException ex)
                {
                    // The database is away: the next sweep tries again.
                    LogSweepFailed(logger, ex.Message);
                }
                catch (InvalidOperationException ex) when (ex.InnerException is System.Data.Common.DbException)
                {
                    LogSweepFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} answers whose node stopped renewing their lease are now marked interrupted (their text is kept)")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired answer leases failed ({Reason}); trying again at the next heartbeat")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
