using System.Security.Claims;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Web.Identity;
using Microsoft.AspNetCore.Components.Authorization;

namespace AxWorkbench.Web.Audit;

/// <summary>
/// The acting user for audit records on the web: the signed-in user's name and the client address of the
/// request (or of the circuit's connection, remembered from the first call that saw it). Outside any
/// request or circuit (start-up seeding) it is "system".
/// </summary>
public sealed class WebAuditActorSource(IHttpContextAccessor http, IServiceProvider services) : IAuditActorSource
{
    private string? _address;

    /// <summary>Set when work for a circuit's user runs in a fresh DI scope (one DbContext per operation).</summary>
    public WorkbenchActor? Override { get; set; }

    /// <summary>The request's user (or "anonymous", or <paramref name="fallbackName"/>) with the request's client address.</summary>
    public static WorkbenchActor FromHttpContext(HttpContext context, string? fallbackName = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress?.ToString();
        return context.User.Identity?.IsAuthenticated == true && context.User.FindFirstValue(ClaimTypes.NameIdentifier) is not null
            ? CurrentUser.ToActor(context.User, address)
            : CurrentUser.Unauthenticated(context.User.Identity?.Name ?? fallbackName ?? "anonymous", address);
    }

    public async ValueTask<WorkbenchActor> GetActorAsync(CancellationToken cancellationToken = default)
    {
        if (Override is not null)
        {
            return Override;
        }

        var context = http.HttpContext;
        _address ??= context?.Connection.RemoteIpAddress?.ToString();
        var principal = context?.User.Identity?.IsAuthenticated == true ? context.User : null;
        if (principal is null && services.GetService<AuthenticationStateProvider>() is { } provider)
        {
            try
            {
                var state = await provider.GetAuthenticationStateAsync();
                principal = state.User.Identity?.IsAuthenticated == true ? state.User : null;
            }
            catch (InvalidOperationException)
            {
                // No authentication state in this scope (start-up work, a bare scope).
            }
        }

        return principal?.FindFirstValue(ClaimTypes.NameIdentifier) is not null ? CurrentUser.ToActor(principal, _address)
            : principal?.Identity?.Name is { } name ? CurrentUser.Unauthenticated(name, _address)
            : _address is not null ? CurrentUser.Unauthenticated("anonymous", _address)
            : WorkbenchActor.System;
    }
}

/// <summary>Runs an admin operation in its own DI scope (its own DbContext) on behalf of the circuit's user.</summary>
public sealed class AdminOperations(IServiceScopeFactory scopes, IAuditActorSource actors)
{
    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> operation)
    {
        var actor = await actors.GetActorAsync();
        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetRequiredService<IAuditActorSource>() is WebAuditActorSource source)
        {
            source.Override = actor;
        }
        return await operation(scope.ServiceProvider);
    }

    public Task<WorkbenchActor> ActorAsync() => actors.GetActorAsync().AsTask();
}
