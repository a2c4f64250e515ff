using AxWorkbench.Web.Cli;
using AxWorkbench.Web.Tests.Hosting;

namespace AxWorkbench.Web.Tests.Cli;

/// <summary>The executable's first word: the web app, an operator command, or exit 2 with the command list.</summary>
public sealed class FrontDoorTests
{
    [Theory]
    [InlineData(new string[0], new string[0])]
    [InlineData(new[] { "serve" }, new string[0])]
    [InlineData(new[] { "serve", "--urls", "http://127.0.0.1:5099" }, new[] { "--urls", "http://127.0.0.1:5099" })]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5099" }, new[] { "--urls", "http://127.0.0.1:5099" })]
    [InlineData(new[] { "--Data:Provider=Oracle" }, new[] { "--Data:Provider=Oracle" })]
    [InlineData(new[] { "Markings:Scheme=Rok" }, new[] { "Markings:Scheme=Rok" })]
    public void WebArguments_StartTheWebApp(string[] args, string[] expectedWebArgs)
    {
        Assert.True(OperatorCli.IsServe(args, out var webArgs));
        Assert.Equal(expectedWebArgs, webArgs);
    }

    [Theory]
    [InlineData("users", "list")]
    [InlineData("--help")]
    [InlineData("help")]
    [InlineData("reports", "export", "x")]
    [InlineData("sreve")]
    public void CommandsAndUnknownWords_NeverStartTheWebApp(params string[] args)
    {
        Assert.False(OperatorCli.IsServe(args, out _));
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwo_AndListsTheCommands()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await OperatorCli.RunAsync(["reports", "export", "x"], output, error);

        Assert.Equal(2, exit);
        var text = error.ToString();
        Assert.Contains("'reports' is not a command", text, StringComparison.Ordinal);
        foreach (var command in new[] { "serve", "users", "model", "audit", "import", "documents" })
        {
            Assert.Matches($@"(?m)^\s+{command}\s", text);
        }
    }

    [Fact]
    public async Task Help_NamesServe()
    {
        using var output = new StringWriter();

        var exit = await OperatorCli.RunAsync(["--help"], output, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.Contains("serve", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealExecutable_UnknownCommand_ExitsTwoWithoutStartingAWebServer()
    {
        await using var app = AppProcess.Start(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" }, "reports", "export", "x");

        var exit = await app.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, exit);
        Assert.Contains("'reports' is not a command", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", app.Output, StringComparison.Ordinal);
    }
}
