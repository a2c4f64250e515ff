using System.Globalization;
using System.Security.Claims;
using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>
/// The sign-in sessions each user holds, kept as Identity user tokens (login provider <see cref="Provider"/>, name =
/// session id, value = start time), so they survive a restart without a table of their own. A cookie whose session
/// is gone (ended by logout or by a newer sign-in beyond the limit) is refused.
/// </summary>
public sealed class SessionRegistry(IDbContextFactory<WorkbenchIdentityDbContext> contexts, IOptions<SessionRulesOptions> options, TimeProvider time)
{
    public const string Provider = "AxWorkbench.Session";

    /// <summary>Starts a session and ends the oldest ones beyond the limit; returns the new id and the ended ids.</summary>
    public async Task<(string SessionId, IReadOnlyList<string> Ended)> StartAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.UserTokens.Where(t => t.UserId == userId && t.LoginProvider == Provider).ToListAsync(cancellationToken);
        var ended = existing.OrderByDescending(t => t.Value, StringComparer.Ordinal).Skip(options.Value.MaxConcurrentSessions - 1).ToList();
        db.UserTokens.RemoveRange(ended);
        var sessionId = Guid.NewGuid().ToString("N");
        db.UserTokens.Add(new IdentityUserToken<string>
        {
            UserId = userId,
            LoginProvider = Provider,
            Name = sessionId,
            Value = time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(cancellationToken);
        return (sessionId, ended.ConvertAll(t => t.Name));
    }

    public async Task<bool> IsActiveAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var sessionId = principal.FindFirstValue(WorkbenchClaims.Session);
        if (userId is null || sessionId is null)
        {
            return false;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.UserTokens.AnyAsync(t => t.UserId == userId && t.LoginProvider == Provider && t.Name == sessionId, cancellationToken);
    }

    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var sessionId = principal.FindFirstValue(WorkbenchClaims.Session);
        if (userId is null || sessionId is null)
        {
            return;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.UserTokens.Where(t => t.UserId == userId && t.LoginProvider == Provider && t.Name == sessionId).ExecuteDeleteAsync(cancellationToken);
    }
}
