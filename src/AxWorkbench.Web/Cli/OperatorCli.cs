using System.CommandLine;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Web.Cli;

/// <summary>
/// Operator commands in the same executable as the web app: `dotnet run --project src/AxWorkbench.Web -- users add ...`.
/// Any first argument that names a command (or --help) runs the CLI instead of the web server.
/// </summary>
public static class OperatorCli
{
    private static readonly HashSet<string> CommandNames = ["users", "model", "audit", "import", "--help", "-h", "-?", "help"];

    public static bool IsOperatorCommand(string[] args) => args.Length > 0 && CommandNames.Contains(args[0]);

    /// <param name="settings">Configuration overrides (tests point the data folder elsewhere); the app's appsettings and environment apply otherwise.</param>
    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var context = new CliContext(output ?? Console.Out, error ?? Console.Error, settings ?? new Dictionary<string, string?>());
        var root = BuildRootCommand(context);
        if (args is ["help", ..])
        {
            args = ["--help"];
        }
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error });
    }

    internal static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("AxWorkbench: run without arguments to start the web app; the commands below are for operators.");
        root.Subcommands.Add(UsersCommands.Build(context));
        root.Subcommands.Add(ModelCommandsCli.Build(context));
        root.Subcommands.Add(AuditCommands.Build(context));
        root.Subcommands.Add(ImportCommands.Build(context));
        return root;
    }
}

/// <summary>Where a command writes, and the configuration overrides it runs with.</summary>
internal sealed record CliContext(TextWriter Output, TextWriter Error, IReadOnlyDictionary<string, string?> Settings)
{
    /// <summary>A host with the app's configuration and data services but no web server; the database is migrated.</summary>
    public async Task<IHost> StartDataHostAsync(CancellationToken cancellationToken, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            // Same environment (and so the same appsettings) as the web app started with `dotnet run`.
            EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"),
        });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddWorkbenchIdentityCore();
        builder.AddDocuments();
        configure?.Invoke(builder);
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(cancellationToken);
        return host;
    }
}
