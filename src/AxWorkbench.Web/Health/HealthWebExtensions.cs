using AxWorkbench.Core.Actors;
using System.Text.Json;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AxWorkbench.Web.Health;

public static class HealthWebExtensions
{
    public static WebApplicationBuilder AddHealthWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary>
    /// /healthz answers without login with the overall status only (for load balancers);
    /// a signed-in admin also gets each check with its details.
    /// </summary>
    public static WebApplication MapHealthWeb(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteAsync,
        }).AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        object body = context.User.IsInRole(Roles.Admin)
            ? new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Description,
                    data = e.Value.Data,
                }),
            }
            : report.Status == HealthStatus.Healthy
                ? (object)new { status = report.Status.ToString() }
                // Without login: which checks fail ("database"), never their details (servers, paths).
                : new { status = report.Status.ToString(), failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).ToArray() };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

public sealed class DatabaseHealthCheck(DatabaseInitializer database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var (journal, synchronous) = await database.ProbeAsync(cancellationToken);
            var data = new Dictionary<string, object> { ["journalMode"] = journal, ["synchronous"] = synchronous, ["dataDirectory"] = database.DataDirectory };
            if (database.WriteQueue() is { } queue)
            {
                // This process's writers waiting for SQLite's write lock: now, in all, the longest wait, and those that gave up on the queue.
                data["writeQueue"] = new Dictionary<string, object>
                {
                    ["waiting"] = queue.Waiting, ["entered"] = queue.Entered, ["timedOut"] = queue.TimedOut,
                    ["longestWaitMs"] = Math.Round(queue.LongestWait.TotalMilliseconds),
                };
            }
            if (journal == "postgres")
            {
                return HealthCheckResult.Healthy("PostgreSQL reachable", data);
            }
            return journal == "wal" && synchronous == "2"
                ? HealthCheckResult.Healthy("SQLite reachable (WAL, synchronous=FULL)", data)
                : HealthCheckResult.Degraded($"SQLite reachable but journal_mode={journal}, synchronous={synchronous}", data: data);
        }
        catch (DatabaseUnavailableException ex)
        {
            // Each probe opens a fresh pooled connection: Healthy again by itself once the database is back (no restart).
            return HealthCheckResult.Unhealthy(DatabaseUnavailableException.Describe(ex.Database, ex.Cause),
                data: new Dictionary<string, object> { ["database"] = ex.Database, ["dataDirectory"] = database.DataDirectory });
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or IOException)
        {
            return HealthCheckResult.Unhealthy($"Database unreachable: {ex.Message}");
        }
    }
}
