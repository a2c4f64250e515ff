using AxWorkbench.Web.Cli;

namespace AxWorkbench.Web.Tests.Cli;

/// <summary>Operator commands against a real SQLite file in a temporary folder.</summary>
public sealed class UsersCommandsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-cli-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Settings => new() { ["Data:DataDirectory"] = _directory, ["Markings:Scheme"] = "Us" };

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, Settings);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task UsersAdd_ThenList_ShowsUserWithRoleClearanceAndUnit()
    {
        var add = await RunAsync("users", "add", "firstadmin", "--role", "Admin", "--clearance", "SECRET//NOFORN", "--unit", "HQ");
        var list = await RunAsync("users", "list");

        Assert.Equal(0, add.Exit);
        Assert.Matches(@"Password \(shown once\): Ax-\S{16}", add.Output);
        Assert.Equal(0, list.Exit);
        var line = Assert.Single(list.Output.Split('\n'), l => l.StartsWith("firstadmin", StringComparison.Ordinal));
        Assert.Contains("Admin", line, StringComparison.Ordinal);
        Assert.Contains("SECRET//NOFORN", line, StringComparison.Ordinal);
        Assert.Contains("HQ", line, StringComparison.Ordinal);
        Assert.EndsWith("active", line.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersAdd_BadClearance_ExitsNonZeroNamingTheText()
    {
        var result = await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET//BOGUS", "--unit", "HQ");

        Assert.Equal(1, result.Exit);
        Assert.Contains("SECRET//BOGUS", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersDisable_ListShowsDisabled()
    {
        await RunAsync("users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ");

        var disable = await RunAsync("users", "disable", "kim");
        var list = await RunAsync("users", "list");

        Assert.True(disable.Exit == 0, disable.Error);
        Assert.Contains("disabled", Assert.Single(list.Output.Split('\n'), l => l.StartsWith("kim", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersSetClearance_UnknownUser_ExitsNonZero()
    {
        var result = await RunAsync("users", "set-clearance", "ghost", "SECRET");

        Assert.Equal(1, result.Exit);
        Assert.Contains("ghost", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheCommands()
    {
        var root = await RunAsync("--help");
        var users = await RunAsync("users", "--help");

        Assert.Equal(0, root.Exit);
        Assert.Contains("users", root.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "add", "list", "disable", "enable", "set-roles", "set-clearance", "reset-password" })
        {
            Assert.Contains(command, users.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void IsOperatorCommand_WebArguments_StartTheWebApp()
    {
        Assert.False(OperatorCli.IsOperatorCommand([]));
        Assert.False(OperatorCli.IsOperatorCommand(["--urls", "http://127.0.0.1:5000"]));
        Assert.True(OperatorCli.IsOperatorCommand(["users", "list"]));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

public sealed class ResetPasswordCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-cli-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task UsersResetPassword_FromTheCli_PrintsANewPasswordThatWorks()
    {
        var settings = new Dictionary<string, string?> { ["Data:DataDirectory"] = _directory };
        using var output = new StringWriter();
        using var error = new StringWriter();
        await OperatorCli.RunAsync(["users", "add", "kim", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ"], output, error, settings);

        var exit = await OperatorCli.RunAsync(["users", "reset-password", "kim"], output, error, settings);

        Assert.True(exit == 0, error.ToString());
        Assert.Matches(@"New password for kim \(shown once\): Ax-\S{16}", output.ToString());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
