using System.Security.Claims;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Identity;

/// <summary>
/// Re-reads the signed-in user every <see cref="SecurityOptions.RevalidationIntervalSeconds"/> on an open circuit.
/// A changed security stamp (roles, clearance, password) rebuilds the principal in place, so a clearance change
/// takes effect without a reload; a disabled, locked-out or deleted user becomes anonymous at once. A change made on
/// any node (<see cref="ClusterTopics.UserChanged"/>) makes the circuits of that user revalidate at once, on every node.
/// </summary>
public sealed partial class RefreshingAuthenticationStateProvider : ServerAuthenticationStateProvider, IDisposable
{
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IOptions<IdentityOptions> _identityOptions;
    private readonly ILogger<RefreshingAuthenticationStateProvider> _logger;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private readonly IDisposable _userChanged;

    /// <summary>Raised after each revalidation cycle (tests wait on it instead of sleeping).</summary>
    internal event Action? Revalidated;

    public RefreshingAuthenticationStateProvider(
        IServiceScopeFactory scopeFactory,
        IOptions<IdentityOptions> identityOptions,
        IOptions<SecurityOptions> securityOptions,
        ILogger<RefreshingAuthenticationStateProvider> logger,
        IClusterEvents cluster)
    {
        _scopeFactory = scopeFactory;
        _identityOptions = identityOptions;
        _logger = logger;
        _interval = TimeSpan.FromSeconds(securityOptions.Value.RevalidationIntervalSeconds);
        AuthenticationStateChanged += OnAuthenticationStateChanged;
        _userChanged = cluster.Subscribe(ClusterTopics.UserChanged, OnUserChanged);
    }

    private void OnUserChanged(ClusterEvent clusterEvent)
    {
        if (_loop is null || clusterEvent.Read<UserChangedEvent>() is not { } changed)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            var current = await GetAuthenticationStateAsync();
            if (changed.UserName is null || string.Equals(changed.UserName, current.User.Identity?.Name, StringComparison.Ordinal))
            {
                await RevalidateOnceAsync(_stop.Token);
            }
        });
    }

    private void OnAuthenticationStateChanged(Task<AuthenticationState> task) =>
        _loop ??= Task.Run(() => RevalidateLoopAsync(_stop.Token));

    private async Task RevalidateLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await RevalidateOnceAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RevalidateOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await GetAuthenticationStateAsync();
            if (current.User.Identity?.IsAuthenticated != true)
            {
                return;
            }
            var refreshed = await RevalidateAsync(current.User);
            if (refreshed is not null)
            {
                SetAuthenticationState(Task.FromResult(new AuthenticationState(refreshed)));
            }
            Revalidated?.Invoke();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException && !cancellationToken.IsCancellationRequested)
        {
            LogRevalidationFailed(_logger, ex);
            SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
    }

    /// <summary>Returns a new principal when the user changed, an anonymous one when they may no longer be signed in, null when unchanged.</summary>
    private async Task<ClaimsPrincipal?> RevalidateAsync(ClaimsPrincipal principal)
    {
        await using var scope = _scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>();
        var user = await users.GetUserAsync(principal);
        var sessions = scope.ServiceProvider.GetRequiredService<AxWorkbench.Web.Security.SessionRegistry>();
        if (user is null || user.IsDisabled || await users.IsLockedOutAsync(user) || !await sessions.IsActiveAsync(principal))
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }
        // A directory-backed user is read from the directory again (roles, clearance, unit; disabled ends the session);
        // an unreachable directory leaves the session as it is.
        var directory = await scope.ServiceProvider.GetRequiredService<DirectoryAccounts>()
            .RefreshAsync(user, CurrentUser.ToActor(principal, null), "revalidation");
        if (!directory.IsAccepted && directory.Verdict != DirectoryVerdict.Unavailable)
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }
        var stampClaim = _identityOptions.Value.ClaimsIdentity.SecurityStampClaimType;
        if (principal.FindFirstValue(stampClaim) == await users.GetSecurityStampAsync(user))
        {
            return null;
        }
        var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<WorkbenchUser>>();
        var refreshed = await factory.CreateAsync(user);
        AxWorkbench.Web.Security.SecurityWebExtensions.CopySessionClaims(principal, refreshed);
        return refreshed;
    }

    public void Dispose()
    {
        AuthenticationStateChanged -= OnAuthenticationStateChanged;
        _userChanged.Dispose();
        _stop.Cancel();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revalidating the signed-in user failed; the circuit is signed out")]
    private static partial void LogRevalidationFailed(ILogger logger, Exception exception);
}
