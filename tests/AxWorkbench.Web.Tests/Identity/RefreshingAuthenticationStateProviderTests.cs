using AxWorkbench.Core.Actors;
using System.Security.Claims;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Identity;

/// <summary>An open circuit sees a clearance change, or a disabled account, within the revalidation interval.</summary>
public sealed class RefreshingAuthenticationStateProviderTests : IAsyncLifetime
{
    private string _directory = Path.Combine(Path.GetTempPath(), "axwb-auth-tests", Guid.NewGuid().ToString("N"));
    private IHost _host = default!;
    private string _interval = "1";

    public Task InitializeAsync() => StartAsync("1");

    private async Task StartAsync(string interval)
    {
        _interval = interval;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = _directory,
            ["Security:RevalidationIntervalSeconds"] = _interval,
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddWorkbenchIdentityCore().AddClaimsPrincipalFactory<WorkbenchClaimsPrincipalFactory>();
        builder.Services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.SectionName));
        builder.Services.AddScoped<RefreshingAuthenticationStateProvider>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<SessionRulesOptions>();
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddSingleton<IClusterEvents, LocalClusterEvents>();
        _host = builder.Build();
        await _host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserAdministration>()
            .AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "SECRET//NOFORN", "HQ");
    }

    private async Task<(RefreshingAuthenticationStateProvider Provider, IServiceScope Scope)> SignInAsync()
    {
        var scope = _host.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>();
        var kim = (await users.FindByNameAsync("kim"))!;
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<WorkbenchUser>>().CreateAsync(kim);
        // A signed-in circuit belongs to a session (as SessionSignIn makes it).
        var (sessionId, _) = await scope.ServiceProvider.GetRequiredService<SessionRegistry>().StartAsync(kim.Id);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(WorkbenchClaims.Session, sessionId));
        var provider = scope.ServiceProvider.GetRequiredService<RefreshingAuthenticationStateProvider>();
        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        return (provider, scope);
    }

    private static async Task<ClaimsPrincipal> NextStateAsync(AuthenticationStateProvider provider)
    {
        var changed = new TaskCompletionSource<ClaimsPrincipal>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.AuthenticationStateChanged += async task => changed.TrySetResult((await task).User);
        return await changed.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ClearanceLowered_OpenCircuitSeesNewClearance()
    {
        var (provider, scope) = await SignInAsync();
        using var _ = scope;
        var next = NextStateAsync(provider);

        await using (var adminScope = _host.Services.CreateAsyncScope())
        {
            await adminScope.ServiceProvider.GetRequiredService<UserAdministration>().SetClearanceAsync("kim", "CONFIDENTIAL");
        }

        var user = await next;
        Assert.True(user.Identity?.IsAuthenticated);
        Assert.Equal(ClassificationLevel.Confidential, CurrentUser.ToAuthorization(user).Clearance);
        Assert.NotNull(user.FindFirst(WorkbenchClaims.Session)); // the rebuilt principal keeps its session
    }

    [Fact]
    public async Task UserChangedOnAnyNode_CircuitRevalidatesAtOnce_NotAtTheInterval()
    {
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        _directory = Path.Combine(Path.GetTempPath(), "axwb-auth-tests", Guid.NewGuid().ToString("N"));
        await StartAsync("60");
        var (provider, scope) = await SignInAsync();
        using var _ = scope;
        var next = NextStateAsync(provider);
        await using (var adminScope = _host.Services.CreateAsyncScope())
        {
            await adminScope.ServiceProvider.GetRequiredService<UserAdministration>().SetClearanceAsync("kim", "CONFIDENTIAL");
        }

        // What the users page publishes after a change (on PostgreSQL every node's circuits receive it).
        await _host.Services.GetRequiredService<IClusterEvents>().PublishAsync(ClusterTopics.UserChanged, """{"UserName":"kim"}""", default);
        var user = await next.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ClassificationLevel.Confidential, CurrentUser.ToAuthorization(user).Clearance);
    }

    [Fact]
    public async Task SessionEnded_OpenCircuitBecomesAnonymous()
    {
        var (provider, scope) = await SignInAsync();
        using var _ = scope;
        var next = NextStateAsync(provider);

        // Ended elsewhere (logout in another tab, or a newer sign-in beyond the session limit).
        await _host.Services.GetRequiredService<SessionRegistry>().EndAsync((await provider.GetAuthenticationStateAsync()).User);

        Assert.False((await next).Identity?.IsAuthenticated);
    }

    [Fact]
    public async Task AccountDisabled_OpenCircuitBecomesAnonymous()
    {
        var (provider, scope) = await SignInAsync();
        using var _ = scope;
        var next = NextStateAsync(provider);

        await using (var adminScope = _host.Services.CreateAsyncScope())
        {
            await adminScope.ServiceProvider.GetRequiredService<UserAdministration>().SetDisabledAsync("kim", true);
        }

        Assert.False((await next).Identity?.IsAuthenticated);
    }

    [Fact]
    public async Task NothingChanged_PrincipalStaysAndKeepsClearance()
    {
        var (provider, scope) = await SignInAsync();
        using var _ = scope;
        var before = (await provider.GetAuthenticationStateAsync()).User;

        var next = NextStateAsync(provider);
        var cycles = 0;
        var twoCycles = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.Revalidated += () =>
        {
            if (Interlocked.Increment(ref cycles) == 2)
            {
                twoCycles.TrySetResult();
            }
        };

        await twoCycles.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(next.IsCompleted);
        Assert.Same(before, (await provider.GetAuthenticationStateAsync()).User);
        Assert.Equal(ClassificationLevel.Secret, CurrentUser.ToAuthorization(before).Clearance);
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Task.Yield();
        Directory.Delete(_directory, recursive: true);
    }
}
