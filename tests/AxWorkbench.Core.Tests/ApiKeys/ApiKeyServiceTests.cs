using AxWorkbench.Core.Actors;
using AxWorkbench.Core.ApiKeys;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Audit;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.ApiKeys;

public sealed class SqliteApiKeyServiceTests() : ApiKeyServiceTests(DbProvider.Sqlite);

public sealed class PostgresApiKeyServiceTests() : ApiKeyServiceTests(DbProvider.Postgres);

/// <summary>API keys on a real SQLite file: made (secret once, hash stored), checked, revoked, expired — and audited.</summary>
public abstract class ApiKeyServiceTests(DbProvider provider)
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly WorkbenchActor Admin = WorkbenchActor.Operator("root");

    private static ApiKeyService Service(TempDataHost host, Clock clock) => new(
        host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), host.Services.GetRequiredService<IMarkingScheme>(),
        host.Services.GetRequiredService<IAuditLog>(), clock);

    [Fact]
    public async Task Create_StoresOnlyTheHash_AndTheSecretChecksInAsItsServiceAccount()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        var keys = Service(host, new Clock());

        var (key, secret) = await keys.CreateAsync(Admin, "report-tool", "SECRET//NOFORN", "J2");

        Assert.StartsWith("axk_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 47, "a 256-bit secret");
        Assert.Equal("SECRET//NOFORN", key.Clearance);
        await using (var connection = await host.OpenRawAsync())
        {
            await using var dump = connection.CreateCommand();
            dump.CommandText = """SELECT "Name" || "KeyHash" || "KeyPrefix" || "Clearance" || "Unit" FROM "ApiKeys" """;
            var row = (string)(await dump.ExecuteScalarAsync())!;
            Assert.DoesNotContain(secret, row, StringComparison.Ordinal);
            Assert.Contains(ApiKeyService.Hash(secret), row, StringComparison.Ordinal);
        }

        var check = await keys.CheckAsync(secret, "10.0.0.7");
        Assert.Null(check.Refusal);
        Assert.Equal("apikey:report-tool", check.Account!.AuditName);
        Assert.Equal(ClassificationLevel.Secret, check.Account.Ceiling.Level);
        Assert.True(Access.Dominates(check.Account.Actor.Authorization, new Marking(ClassificationLevel.Secret, ["NOFORN"])));
        Assert.False(Access.Dominates(check.Account.Actor.Authorization, new Marking(ClassificationLevel.TopSecret)));
    }

    [Fact]
    public async Task Check_MissingUnknownRevokedExpired_AreRefusedWithTheirReason()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        var clock = new Clock();
        var keys = Service(host, clock);
        var (_, revoked) = await keys.CreateAsync(Admin, "gone", "SECRET", "J2");
        var (_, expiring) = await keys.CreateAsync(Admin, "brief", "SECRET", "J2", clock.Now.UtcDateTime.AddDays(1));
        await keys.RevokeAsync(Admin, "gone");

        Assert.Equal(ApiKeyRefusal.Missing, (await keys.CheckAsync(null, null)).Refusal);
        Assert.Equal(ApiKeyRefusal.Unknown, (await keys.CheckAsync("axk_nothing", null)).Refusal);
        Assert.Equal(ApiKeyRefusal.Revoked, (await keys.CheckAsync(revoked, null)).Refusal);
        Assert.Null((await keys.CheckAsync(expiring, null)).Refusal);
        clock.Now = clock.Now.AddDays(1);
        Assert.Equal(ApiKeyRefusal.Expired, (await keys.CheckAsync(expiring, null)).Refusal);
        Assert.Equal(["expired", "revoked"], (await keys.ListAsync()).Select(k => k.State(clock.Now.UtcDateTime)));
    }

    [Fact]
    public async Task BadInput_IsRefusedNamingTheProblem()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        var clock = new Clock();
        var keys = Service(host, clock);
        await keys.CreateAsync(Admin, "tool", "SECRET", "J2");

        Assert.Contains("TOP SEKRET", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.CreateAsync(Admin, "x", "TOP SEKRET", "J2"))).Message, StringComparison.Ordinal);
        Assert.Contains("already exists", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.CreateAsync(Admin, "tool", "SECRET", "J2"))).Message, StringComparison.Ordinal);
        Assert.Contains("already past", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.CreateAsync(Admin, "old", "SECRET", "J2", clock.Now.UtcDateTime.AddHours(-1)))).Message, StringComparison.Ordinal);
        Assert.Contains("no key named 'nope'", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.RevokeAsync(Admin, "nope"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAndRevoke_AreAudited()
    {
        await using var host = await TempDataHost.StartAsync(provider: provider);
        var keys = Service(host, new Clock());

        await keys.CreateAsync(Admin, "tool", "CONFIDENTIAL", "J2");
        await keys.RevokeAsync(Admin, "tool");

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var actions = await db.Set<AuditRecord>().Where(r => r.Target == "tool").OrderBy(r => r.Sequence).Select(r => new { r.Action, r.Actor }).ToListAsync();
        Assert.Equal([ApiKeyAuditActions.KeyCreated, ApiKeyAuditActions.KeyRevoked], actions.Select(a => a.Action));
        Assert.All(actions, a => Assert.Equal("operator:root", a.Actor));
    }
}
