using System.CommandLine;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Web.Cli;

/// <summary>
/// Operator commands in the same executable as the web app: `dotnet run --project src/AxWorkbench.Web -- users add ...`.
/// Any first argument that names a command (or --help) runs the CLI instead of the web server.
/// </summary>
public static class OperatorCli
{
    private static readonly HashSet<string> CommandNames = ["users", "model", "--help", "-h", "-?", "help"];

    public static bool IsOperatorCommand(string[] args) => args.Length > 0 && CommandNames.Contains(args[0]);

    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = BuildRootCommand(output ?? Console.Out, error ?? Console.Error);
        if (args is ["help", ..])
        {
            args = ["--help"];
        }
        var result = root.Parse(args);
        return result.InvokeAsync(new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error });
    }

    public static RootCommand BuildRootCommand(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("AxWorkbench: run without arguments to start the web app; the commands below are for operators.");
        root.Subcommands.Add(UsersCommands.Build(output, error));
        return root;
    }

    /// <summary>A host with the app's configuration and data services but no web server.</summary>
    internal static async Task<IHost> StartDataHostAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddWorkbenchIdentityCore();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(cancellationToken);
        return host;
    }
}
