using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Data;

/// <summary>
/// Says when SQLite's one write lock is what the workbench waits for. Every <see cref="Interval"/> it reads this
/// process's <see cref="SqliteWriteGate"/>: the share of the time the lock was held, the longest hold (and the statement
/// that held it), the longest wait. Busy intervals are logged (a warning when the lock was held over half the time or a
/// writer waited over 5 s: the node is past what one SQLite file serves, and PostgreSQL is the way on); quiet ones are not.
/// </summary>
public sealed partial class SqliteWriteQueueMonitor(IOptions<DataOptions> options, IHostEnvironment environment, TimeProvider clock,
    ILogger<SqliteWriteQueueMonitor> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var data = options.Value;
        if (data.IsPostgres || !data.SqliteWriteQueue)
        {
            return;
        }
        var gate = SqliteWriteGate.For(data.ResolveConnectionString(environment.ContentRootPath));
        var (entered, held, timedOut) = (gate.Entered, gate.Held, gate.TimedOut);
        gate.TakeIntervalMaxima();
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var (nowEntered, nowHeld, nowTimedOut) = (gate.Entered, gate.Held, gate.TimedOut);
                var (longestHold, holder, longestWait) = gate.TakeIntervalMaxima();
                var share = (nowHeld - held) / Interval;
                if (share >= 0.5 || longestWait >= TimeSpan.FromSeconds(5) || nowTimedOut > timedOut)
                {
                    LogBusy(logger, nowEntered - entered, share * 100, longestHold.TotalMilliseconds, holder ?? "?", longestWait.TotalMilliseconds, nowTimedOut - timedOut);
                }
                else if (share >= 0.2 || longestWait >= TimeSpan.FromSeconds(1))
                {
                    LogActive(logger, nowEntered - entered, share * 100, longestHold.TotalMilliseconds, holder ?? "?", longestWait.TotalMilliseconds);
                }
                (entered, held, timedOut) = (nowEntered, nowHeld, nowTimedOut);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite's write lock is the bottleneck: in the last 30 s {Writes} writes held it {Percent:F0} % of the time; longest hold {HoldMs:F0} ms ({Holder}); longest wait {WaitMs:F0} ms; {GaveUp} gave up on the queue after Data:BusyTimeoutSeconds. A node this busy belongs on PostgreSQL.")]
    private static partial void LogBusy(ILogger logger, long writes, double percent, double holdMs, string holder, double waitMs, long gaveUp);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite write lock in the last 30 s: {Writes} writes held it {Percent:F0} % of the time; longest hold {HoldMs:F0} ms ({Holder}); longest wait {WaitMs:F0} ms")]
    private static partial void LogActive(ILogger logger, long writes, double percent, double holdMs, string holder, double waitMs);
}
