using System.Net;
using AxWorkbench.Core.Audit;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.Web.Tests.Security;

[CollectionDefinition(Name)]
public sealed class LdapCollection
{
    /// <summary>The tests that change or stop the one test slapd run one at a time.</summary>
    public const string Name = "Ldap";
}

/// <summary>
/// Directory login against the real OpenLDAP from tests/services.sh, through the real app's login form over HTTP (the
/// E2E project runs in a loopback-only namespace that cannot reach a server started outside it; the form, the cookie
/// and the revalidation are all HTTP-level, so no browser is needed to show them).
/// </summary>
[Collection(LdapCollection.Name)]
public sealed class LdapLoginTests(LdapApp app) : IClassFixture<LdapApp>
{
    private LdapDirectory Directory => app.Directory;

    [Fact]
    public async Task LdapLogin_DirectoryPassword_SignsIn_AndCreatesTheUserWithTheDirectorysClearanceUnitAndRole()
    {
        using var browser = app.NewBrowser();

        var wrong = await browser.SignInAsync("ana", Directory.UserPassword + "x");
        var error = await browser.SignInAsync("ana", Directory.UserPassword);

        Assert.Contains("Wrong user name or password", wrong, StringComparison.Ordinal);
        Assert.True(error is null, error + "\n" + app.Output);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).Status);
        Assert.Equal("/account/access-denied", (await browser.GetAsync("/review")).Location);
        var list = await app.CliAsync("users", "list");
        var line = Assert.Single(list.Split('\n'), l => l.StartsWith("ana ", StringComparison.Ordinal));
        Assert.Contains("Analyst", line, StringComparison.Ordinal);
        Assert.Contains("SECRET", line, StringComparison.Ordinal);
        Assert.Contains("1st Analysis Unit", line, StringComparison.Ordinal);
        var logins = await AuditAsync(AuditActions.Login, "ana");
        Assert.Contains(logins, d => d.Contains("\"source\":\"directory\"", StringComparison.Ordinal) && d.Contains(Directory.Person("ana"), StringComparison.Ordinal));
        Assert.Contains(await AuditAsync(AuditActions.DirectoryRefused, "ana"), d => d.Contains("WrongPassword", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LdapLogin_GroupChangedInTheDirectory_ChangesTheRoleAtTheNextLogin()
    {
        using var first = app.NewBrowser();
        Assert.Null(await first.SignInAsync("sup", Directory.UserPassword));
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/review")).Status);

        await MoveAsync("sup", from: "supervisors", to: "analysts");
        try
        {
            using var second = app.NewBrowser();
            Assert.Null(await second.SignInAsync("sup", Directory.UserPassword));

            Assert.Equal("/account/access-denied", (await second.GetAsync("/review")).Location);
            Assert.Contains(await AuditAsync(AuditActions.RolesChanged, "sup"), d => d.Contains("\"source\":\"directory\"", StringComparison.Ordinal));
        }
        finally
        {
            await MoveAsync("sup", from: "analysts", to: "supervisors");
        }
    }

    [Fact]
    public async Task LdapLogin_AccountDisabledInTheDirectory_EndsTheSessionAtTheNextRevalidation_AndIsRefusedAtLogin()
    {
        using var browser = app.NewBrowser();
        Assert.Null(await browser.SignInAsync("adm", Directory.UserPassword));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/users")).Status);

        await Directory.ModifyAsync($"dn: {Directory.Person("adm")}\nchangetype: modify\nadd: shadowExpire\nshadowExpire: 0\n");
        try
        {
            // Revalidation runs every second (Security:RevalidationIntervalSeconds=1): wait for the session to end.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            (HttpStatusCode Status, string? Location) page;
            do
            {
                page = await browser.GetAsync("/admin/users");
            }
            while (page.Status == HttpStatusCode.OK && DateTime.UtcNow < deadline && await Delay());
            Assert.Equal("/account/login", page.Location);

            using var again = app.NewBrowser();
            Assert.Contains("This account is disabled", await again.SignInAsync("adm", Directory.UserPassword), StringComparison.Ordinal);
            Assert.Contains("This account is disabled", await again.SignInAsync("gone", Directory.UserPassword), StringComparison.Ordinal);
            Assert.Contains(await AuditAsync(AuditActions.DirectoryRefused, "adm"), d => d.Contains("\"phase\":\"revalidation\"", StringComparison.Ordinal) && d.Contains("Disabled", StringComparison.Ordinal));
        }
        finally
        {
            await Directory.ModifyAsync($"dn: {Directory.Person("adm")}\nchangetype: modify\ndelete: shadowExpire\n");
        }
    }

    [Fact]
    public async Task LdapLogin_DirectoryStopped_SaysWhichDirectoryCannotBeReached_AndTheBreakGlassAdminSignsIn()
    {
        await Directory.StopAsync();
        try
        {
            using var browser = app.NewBrowser();
            var error = await browser.SignInAsync("ana", Directory.UserPassword);
            Assert.Contains($"The directory ldap://{Directory.Url.Host}:{Directory.Url.Port} cannot be reached", error, StringComparison.Ordinal);
            Assert.Contains("local break-glass administrators still can", error, StringComparison.Ordinal);

            using var admin = app.NewBrowser();
            Assert.Null(await admin.SignInAsync(LdapApp.BreakGlassUser, app.BreakGlassPassword));
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/users")).Status);
            Assert.Contains(await AuditAsync(AuditActions.DirectoryRefused, "ana"), d => d.Contains("Unavailable", StringComparison.Ordinal));
        }
        finally
        {
            await Directory.StartAsync();
        }
    }

    [Fact]
    public async Task LdapLogin_UnparseableClearance_IsRefusedSayingWhy()
    {
        using var browser = app.NewBrowser();

        var error = await browser.SignInAsync("odd", Directory.UserPassword);

        Assert.Contains("the clearance 'ULTRA PURPLE' (attribute employeeType) is not a valid Us marking", error, StringComparison.Ordinal);
        Assert.Equal("/account/login", (await browser.GetAsync("/")).Location);
        Assert.DoesNotContain(await app.CliAsync("users", "list"), "odd ", StringComparison.Ordinal);
        Assert.Contains(await AuditAsync(AuditActions.DirectoryRefused, "odd"), d => d.Contains("BadClearance", StringComparison.Ordinal));
    }

    private Task MoveAsync(string uid, string from, string to) =>
        Directory.ModifyAsync(
            $"dn: {Directory.Group(from)}\nchangetype: modify\ndelete: member\nmember: {Directory.Person(uid)}\n\n" +
            $"dn: {Directory.Group(to)}\nchangetype: modify\nadd: member\nmember: {Directory.Person(uid)}\n");

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }

    private async Task<List<string>> AuditAsync(string action, string target)
    {
        await using var db = new SqliteConnection($"Data Source={app.DatabaseFile};Mode=ReadOnly");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT Details FROM AuditRecords WHERE Action = $action AND Target = $target";
        query.Parameters.AddWithValue("$action", action);
        query.Parameters.AddWithValue("$target", target);
        var result = new List<string>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        }
        return result;
    }
}
