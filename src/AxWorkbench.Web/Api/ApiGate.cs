using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using AxWorkbench.Core.ApiKeys;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Markings;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Api;

/// <summary>One admitted call: the key's account and the marking the caller declared.</summary>
public sealed record ApiCall(ApiKeyAccount Account, Marking Marking, string Path);

/// <summary>
/// What every <c>/v1</c> request passes before it reaches the model: the key (401: none, unknown, revoked, expired),
/// the key's rate limit (429, ASP.NET Core's rate limiting: a fixed one-minute window per key), and the declared
/// classification (<c>X-Classification</c>, default the scheme's lowest level; 400 unreadable, 403 above the key's
/// clearance). Every refusal and every call is audited (<see cref="ApiKeyAuditActions.Call"/>) in the one chain.
/// </summary>
public sealed class ApiGate(ApiKeyService keys, IMarkingScheme scheme, IAuditLog audit, IOptions<ApiOptions> options) : IDisposable
{
    public const string ClassificationHeader = "X-Classification";

    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.Ordinal);

    /// <exception cref="ApiError">The request is refused (already audited).</exception>
    public async Task<ApiCall> AdmitAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var path = http.Request.Path.Value ?? "/v1";
        var client = http.Connection.RemoteIpAddress?.ToString();
        var header = http.Request.Headers.Authorization.ToString();
        var secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var check = await keys.CheckAsync(secret, client, http.RequestAborted);
        if (check.Refusal is { } refusal)
        {
            var error = new ApiError(StatusCodes.Status401Unauthorized, "invalid_request_error", "invalid_api_key", refusal switch
            {
                ApiKeyRefusal.Missing => "No API key: send 'Authorization: Bearer <key>' (an operator makes one with `keys add`).",
                ApiKeyRefusal.Revoked => $"The API key '{check.Account!.Name}' was revoked.",
                ApiKeyRefusal.Expired => $"The API key '{check.Account!.Name}' has expired.",
                _ => "The API key is not known to this workbench.",
            });
            await AuditAsync(check.Account?.AuditName ?? "anonymous", client, path, AuditOutcomes.Denied, null, new { status = error.Status, reason = refusal.ToString().ToLowerInvariant() });
            throw error;
        }

        var account = check.Account!;
        var perMinute = account.RequestsPerMinute ?? options.Value.RequestsPerMinute;
        // Keyed by the limit too: a limit changed (on any node) takes effect at the next call, not at the next restart.
        var limiter = _limiters.GetOrAdd(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{account.Name}\n{perMinute}"), _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using (var lease = limiter.AttemptAcquire())
        {
            if (!lease.IsAcquired)
            {
                var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : 60;
                http.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await AuditAsync(account.AuditName, client, path, AuditOutcomes.Denied, null, new { key = account.Name, status = 429, reason = "rate-limit" });
                throw new ApiError(StatusCodes.Status429TooManyRequests, "rate_limit_error", "rate_limit_exceeded",
                    $"The API key '{account.Name}' is over its limit of {perMinute} requests a minute; retry after {retry} s.");
            }
        }

        var declared = http.Request.Headers[ClassificationHeader].ToString();
        Marking marking;
        if (string.IsNullOrWhiteSpace(declared))
        {
            marking = new Marking(scheme.Levels[0], [], null);
        }
        else if (!scheme.TryParse(declared.Trim(), out var parsed))
        {
            await AuditAsync(account.AuditName, client, path, AuditOutcomes.Denied, null, new { key = account.Name, status = 400, reason = "bad-marking", declared });
            throw ApiError.BadRequest($"{ClassificationHeader} '{declared}' is not a {scheme.Kind} marking (e.g. \"{scheme.FormatBanner(account.Ceiling)}\").", ClassificationHeader, "invalid_classification");
        }
        else
        {
            marking = parsed;
        }

        if (!Access.Dominates(account.Actor.Authorization, marking))
        {
            await AuditAsync(account.AuditName, client, path, AuditOutcomes.Denied, marking, new { key = account.Name, status = 403, reason = "above-clearance" });
            throw new ApiError(StatusCodes.Status403Forbidden, "permission_error", "classification_above_clearance",
                $"{ClassificationHeader} '{scheme.FormatBanner(marking)}' is above the clearance of the key '{account.Name}' ({scheme.FormatBanner(account.Ceiling)}).");
        }

        http.Response.Headers[ClassificationHeader] = scheme.FormatBanner(marking);
        return new ApiCall(account, marking, path);
    }

    /// <summary>Records how an admitted call ended: model, tokens in and out, marking and outcome.</summary>
    public Task AuditCallAsync(HttpContext http, ApiCall call, string outcome, string? model, long? tokensIn, long? tokensOut, int status, string? error = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(call);
        return AuditAsync(call.Account.AuditName, http.Connection.RemoteIpAddress?.ToString(), call.Path, outcome, call.Marking,
            new { key = call.Account.Name, model, tokensIn, tokensOut, status, error });
    }

    private Task AuditAsync(string actor, string? client, string path, string outcome, Marking? marking, object details) =>
        audit.WriteAsync(new AuditEvent
        {
            Action = ApiKeyAuditActions.Call,
            Actor = actor,
            Target = path,
            Outcome = outcome,
            ClientAddress = client,
            Marking = marking,
            Details = System.Text.Json.JsonSerializer.Serialize(details, DetailsJson),
        }, CancellationToken.None);

    private static readonly System.Text.Json.JsonSerializerOptions DetailsJson = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
