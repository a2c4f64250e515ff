using AxWorkbench.Core.Audit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
    public AuditActor? Override { get; set; }

    public static AuditActor FromHttpContext(HttpContext context, string? fallbackName = null)
    {
        var name = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
        return new AuditActor(name ?? fallbackName ?? "anonymous", context.Connection.RemoteIpAddress?.ToString());
    }

    public async ValueTask<AuditActor> GetActorAsync(CancellationToken cancellationToken = default)
    {
        if (Override is not null)
        {
            return Override;
        }
        var context = http.HttpContext;
        _address ??= context?.Connection.RemoteIpAddress?.ToString();
        var name = context?.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
        if (name is null && services.GetService<AuthenticationStateProvider>() is { } provider)
        {
            try
            {
                var state = await provider.GetAuthenticationStateAsync();
                name = state.User.Identity?.IsAuthenticated == true ? state.User.Identity.Name : null;
            }
            catch (InvalidOperationException)
            {
                // No authentication state in this scope (start-up work, a bare scope).
            }
        }
        return name is not null ? new AuditActor(name, _address)
            : _address is not null ? new AuditActor("anonymous", _address)
            : AuditActor.System;
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

    public Task<AuditActor> ActorAsync() => actors.GetActorAsync().AsTask();
}

public static class AuditWebExtensions
{
    /// <summary>The audit log (Core) plus who is acting on the web.</summary>
    public static IHostApplicationBuilder AddWorkbenchAuditWeb(this IHostApplicationBuilder builder)
    {
        builder.AddWorkbenchAudit();
        builder.Services.AddHttpContextAccessor();
        builder.Services.Replace(ServiceDescriptor.Scoped<IAuditActorSource, WebAuditActorSource>());
        builder.Services.AddScoped<AdminOperations>();
        return builder;
    }
}
