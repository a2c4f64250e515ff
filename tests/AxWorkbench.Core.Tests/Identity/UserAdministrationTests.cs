using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Identity;

public sealed class SqliteUserAdministrationTests() : UserAdministrationTests(DbProvider.Sqlite);

public sealed class PostgresUserAdministrationTests() : UserAdministrationTests(DbProvider.Postgres);

public abstract class UserAdministrationTests(DbProvider provider)
{
    [Fact]
    public async Task Add_WithBannerClearance_StoresLevelCaveatsRolesAndUnit()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        await admin.AddAsync("kim", "Long-enough-password1", ["analyst"], "TOP SECRET//SI//NOFORN", "2nd Bde", "Kim");

        var user = await scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync("kim");
        Assert.NotNull(user);
        Assert.Equal(ClassificationLevel.TopSecret, user.Clearance);
        Assert.Equal(["NOFORN", "SI"], user.CaveatSet.Order());
        Assert.Equal("2nd Bde", user.Unit);
        var listed = Assert.Single(await admin.ListAsync());
        Assert.Equal([Roles.Analyst], listed.Roles);
        Assert.Equal("TOP SECRET//SI//NOFORN", listed.Clearance);
    }

    [Fact]
    public async Task Add_UnparseableClearance_IsRefusedNamingTheText()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        var ex = await Assert.ThrowsAsync<UserAdministrationException>(() =>
            admin.AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "TOP SEKRET", "2nd Bde"));

        Assert.Contains("TOP SEKRET", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await admin.ListAsync());
    }

    [Fact]
    public async Task Add_UnknownRole_IsRefusedListingTheRoles()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        var ex = await Assert.ThrowsAsync<UserAdministrationException>(() =>
            admin.AddAsync("kim", "Long-enough-password1", ["General"], "SECRET", "2nd Bde"));

        Assert.Contains("General", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Roles.Supervisor, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_ShortPassword_IsRefusedWithIdentityReason()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        // The site policy (Security:Accounts, default 15 characters with upper, lower, digit and symbol).
        var ex = await Assert.ThrowsAsync<UserAdministrationException>(() => admin.AddAsync("kim", "short", [Roles.Analyst], "SECRET", "2nd Bde"));

        Assert.Contains("at least 15", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetClearance_ChangesLevelAndSecurityStamp()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>();
        await admin.AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "SECRET", "2nd Bde");
        var stampBefore = (await users.FindByNameAsync("kim"))!.SecurityStamp;

        await admin.SetClearanceAsync("kim", "CONFIDENTIAL");

        var user = (await users.FindByNameAsync("kim"))!;
        Assert.Equal(ClassificationLevel.Confidential, user.Clearance);
        Assert.NotEqual(stampBefore, user.SecurityStamp);
    }

    [Fact]
    public async Task SetDisabled_MarksUserDisabledAndListShowsIt()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        await admin.AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "SECRET", "2nd Bde");

        await admin.SetDisabledAsync("kim", true);

        Assert.True(Assert.Single(await admin.ListAsync()).Disabled);
    }

    [Fact]
    public async Task SetRoles_ReplacesRoles()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        await admin.AddAsync("kim", "Long-enough-password1", [Roles.Analyst], "SECRET", "2nd Bde");

        await admin.SetRolesAsync("kim", [Roles.Supervisor, Roles.Admin]);

        Assert.Equal([Roles.Admin, Roles.Supervisor], Assert.Single(await admin.ListAsync()).Roles.Order());
    }

    [Fact]
    public async Task SetClearance_UnknownUser_IsRefusedNamingTheUser()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        var ex = await Assert.ThrowsAsync<UserAdministrationException>(() => admin.SetClearanceAsync("nobody", "SECRET"));

        Assert.Contains("nobody", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class GeneratedPasswordTests
{
    [Fact]
    public void GeneratePassword_AlwaysMeetsThePasswordPolicy()
    {
        for (var i = 0; i < 2000; i++)
        {
            var password = UserAdministration.GeneratePassword();
            Assert.True(password.Length >= 10 && password.Any(char.IsDigit) && password.Any(char.IsUpper) && password.Any(char.IsLower), password);
        }
    }
}
