using System.Security.Claims;
using AxWorkbench.Core.ApiKeys;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Actors;
using AxWorkbench.Web.Api;
using AxWorkbench.Web.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>The admin's API keys page over the real key service, audit log and SQLite file.</summary>
public sealed class ApiKeysPageTests : WorkbenchTestContext, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-web-tests", Guid.NewGuid().ToString("N"));
    private IHost _host = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Data:DataDirectory"] = _directory });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddWorkbenchAudit();
        builder.AddApiKeys();
        _host = builder.Build();
        await _host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await _host.StartAsync();
        Services.AddSingleton(_host.Services.GetRequiredService<ApiKeyService>());
        Services.AddSingleton(Options.Create(new ApiOptions { Enabled = false }));
        Services.AddScoped<CurrentUser>();
        AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, "admin-id"),
            new Claim(WorkbenchClaims.Unit, "HQ"),
            new Claim(WorkbenchClaims.Clearance, ((int)ClassificationLevel.TopSecret).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Admin_CreatesAKey_SeesTheSecretOnce_ThenRevokesIt_BothAudited()
    {
        var cut = Render<ApiKeysPage>();
        cut.WaitForElement("[data-testid=keys-table]");
        Assert.Contains("Api:Enabled = false", cut.Markup, StringComparison.Ordinal);

        Type(cut, "keys-name", "report-bot");
        Type(cut, "keys-clearance", "SECRET");
        Type(cut, "keys-unit", "J2");
        await cut.Find("[data-testid=keys-create]").ClickAsync(new());

        var secret = cut.WaitForElement("[data-testid=keys-secret]").TextContent;
        Assert.StartsWith(ApiKeyService.SecretPrefix, secret, StringComparison.Ordinal);
        var row = Assert.Single(cut.FindAll("[data-testid=keys-row]"));
        Assert.StartsWith("report-bot", row.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, row.TextContent, StringComparison.Ordinal); // the list shows a prefix, never the key
        Assert.Contains(">active<", cut.Find("[data-testid=keys-table]").InnerHtml, StringComparison.Ordinal);

        var keys = _host.Services.GetRequiredService<ApiKeyService>();
        var check = await keys.CheckAsync(secret, "127.0.0.1");
        Assert.Equal("report-bot", check.Account?.Name);
        Assert.Equal(ClassificationLevel.Secret, check.Account?.Ceiling.Level);

        await cut.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains(">revoked<", cut.Find("[data-testid=keys-table]").InnerHtml, StringComparison.Ordinal));
        Assert.DoesNotContain(cut.FindAll("button"), b => b.TextContent.Trim() == "Revoke");
        Assert.Equal(ApiKeyRefusal.Revoked, (await keys.CheckAsync(secret, "127.0.0.1")).Refusal);

        var audit = await _host.Services.GetRequiredService<AuditReader>().SearchAsync(new AuditFilter(Actor: "admin"), 0, 10);
        Assert.Contains(audit.Records, r => r.Action == ApiKeyAuditActions.KeyCreated);
        Assert.Contains(audit.Records, r => r.Action == ApiKeyAuditActions.KeyRevoked);
    }

    [Fact]
    public async Task AnUnparseableClearance_IsRefusedByName_AndNoKeyIsMade()
    {
        var cut = Render<ApiKeysPage>();
        cut.WaitForElement("[data-testid=keys-table]");

        Type(cut, "keys-name", "bad-bot");
        Type(cut, "keys-clearance", "ULTRA SECRET");
        await cut.Find("[data-testid=keys-create]").ClickAsync(new());

        var error = cut.WaitForElement("[data-testid=keys-error]").TextContent;
        Assert.Contains("Clearance 'ULTRA SECRET' is not a valid", error, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=keys-secret]"));
        Assert.Empty(cut.FindAll("[data-testid=keys-row]"));
        Assert.Empty(await _host.Services.GetRequiredService<ApiKeyService>().ListAsync());
    }

    private static void Type(IRenderedComponent<ApiKeysPage> cut, string testId, string text)
    {
        var field = cut.Find($"[data-testid={testId}]");
        (field.TagName == "INPUT" ? field : field.QuerySelector("input")!).Change(text);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
    }
}
