using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Identity;

public sealed class SqliteDemoUserSeederTests() : DemoUserSeederTests(DbProvider.Sqlite);

public sealed class PostgresDemoUserSeederTests() : DemoUserSeederTests(DbProvider.Postgres);

public abstract class DemoUserSeederTests(DbProvider provider)
{
    [Fact]
    public async Task Seed_EmptyDatabase_CreatesAnalystSupervisorAdminWithDifferentClearances()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();

        var seeded = await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(MarkingSchemeKind.Us);

        Assert.Equal(["admin", "analyst", "supervisor"], seeded.Select(s => s.User.UserName).Order());
        var users = scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>();
        var clearances = new HashSet<ClassificationLevel>();
        foreach (var (demo, password) in seeded)
        {
            var user = (await users.FindByNameAsync(demo.UserName))!;
            Assert.True(await users.CheckPasswordAsync(user, password));
            Assert.True(await users.IsInRoleAsync(user, demo.Role));
            clearances.Add(user.Clearance);
        }
        Assert.Equal(3, clearances.Count);
    }

    [Fact]
    public async Task Seed_SecondStart_CreatesNothing()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        await using var scope = host.Services.CreateAsyncScope();
        var seeder = scope.ServiceProvider.GetRequiredService<DemoUserSeeder>();
        await seeder.SeedAsync(MarkingSchemeKind.Us);

        Assert.Empty(await seeder.SeedAsync(MarkingSchemeKind.Us));
    }

    [Fact]
    public async Task Seed_NoConfiguredPassword_GeneratesDistinctStrongPasswords()
    {
        await using var host = await TempDataHost.StartAsync(settings: new() { ["Demo:Password"] = "" }, provider: provider);
        await using var scope = host.Services.CreateAsyncScope();

        var seeded = await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(MarkingSchemeKind.Us);

        Assert.Equal(3, seeded.Select(s => s.Password).Distinct().Count());
        Assert.All(seeded, s => Assert.True(s.Password.Length >= 16));
    }

    [Fact]
    public async Task Seed_Disabled_CreatesNoUsers()
    {
        await using var host = await TempDataHost.StartAsync(settings: new() { ["Demo:Enabled"] = "false" }, provider: provider);
        await using var scope = host.Services.CreateAsyncScope();

        Assert.Empty(await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(MarkingSchemeKind.Us));
    }

    [Fact]
    public async Task Seed_RokScheme_GivesKoreanClearances()
    {
        await using var host = await TempDataHost.StartAsync(MarkingSchemeKind.Rok, provider: provider);
        await using var scope = host.Services.CreateAsyncScope();

        await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(MarkingSchemeKind.Rok);

        var list = await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync();
        Assert.Equal("Ⅱ급비밀", list.Single(u => u.UserName == "analyst").Clearance);
    }
}
