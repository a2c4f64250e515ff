using System.CommandLine;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Web.Cli;

/// <summary>
/// The executable's front door. No command word, or `serve`, starts the web app (the rest of the line is for ASP.NET
/// Core: --urls, --Key=value, Key=value); a command word runs that operator command
/// (`dotnet run --project src/AxWorkbench.Web -- users add ...`); any other word exits 2 with the command list, so a
/// typo or a command of a newer version never starts a second web server.
/// </summary>
public static class OperatorCli
{
    public const string ServeCommand = "serve";

    /// <summary>Exit code of a command line that names no known command.</summary>
    public const int UnknownCommandExitCode = 2;

    private static readonly HashSet<string> CommandNames = ["users", "model", "audit", "import", "documents", "keys", "db", "backup", "restore", "help", "--help", "-h", "-?", "--version"];

    public static bool IsOperatorCommand(string[] args) => args.Length > 0 && CommandNames.Contains(args[0]);

    /// <summary>True when the line starts the web app; <paramref name="webArgs"/> is what the web host gets.</summary>
    public static bool IsServe(string[] args, out string[] webArgs)
    {
        (var serve, webArgs) = args switch
        {
            [] => (true, args),
            [ServeCommand, .. var rest] => (true, rest),
            [var first, ..] when IsHostArgument(first) && !CommandNames.Contains(first) => (true, args),
            _ => (false, Array.Empty<string>()),
        };
        return serve;
    }

    // What ASP.NET Core's command-line configuration reads: --key value, --key=value, /key value, key=value.
    private static bool IsHostArgument(string arg) => arg.StartsWith('-') || arg.StartsWith('/') || arg.Contains('=', StringComparison.Ordinal);

    /// <param name="settings">Configuration overrides (tests point the data folder elsewhere); the app's appsettings and environment apply otherwise.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var context = new CliContext(output ?? Console.Out, error ?? Console.Error, settings ?? new Dictionary<string, string?>());
        var root = BuildRootCommand(context);
        if (args is ["help", ..])
        {
            args = ["--help"];
        }
        if (args is [var word, ..] && !IsOperatorCommand(args) && !IsServe(args, out _))
        {
            await WriteUnknownCommandAsync(root, word, context.Error);
            return UnknownCommandExitCode;
        }
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error });
    }

    private static async Task WriteUnknownCommandAsync(RootCommand root, string word, TextWriter error)
    {
        await error.WriteLineAsync($"error: '{word}' is not a command. Commands:");
        await error.WriteLineAsync($"  {ServeCommand,-8} Start the web app (also what no command does).");
        foreach (var command in root.Subcommands)
        {
            await error.WriteLineAsync($"  {command.Name,-8} {command.Description}");
        }
        await error.WriteLineAsync("Run with --help for the options of each command.");
    }

    internal static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand($"AxWorkbench: run without a command (or with `{ServeCommand}`) to start the web app; the commands below are for operators.");
        root.Subcommands.Add(UsersCommands.Build(context));
        root.Subcommands.Add(ModelCommandsCli.Build(context));
        root.Subcommands.Add(AuditCommands.Build(context));
        root.Subcommands.Add(ImportCommands.Build(context));
        root.Subcommands.Add(DocumentsCommands.Build(context));
        root.Subcommands.Add(KeysCommands.Build(context));
        root.Subcommands.Add(DbCommands.Build(context));
        root.Subcommands.Add(BackupCommands.Build(context));
        root.Subcommands.Add(BackupCommands.BuildRestore(context));
        return root;
    }
}

/// <summary>Where a command writes, and the configuration overrides it runs with.</summary>
internal sealed record CliContext(TextWriter Output, TextWriter Error, IReadOnlyDictionary<string, string?> Settings)
{
    /// <summary>A host with the app's configuration and data services but no web server; the database is migrated unless <paramref name="initialize"/> is false.</summary>
    public async Task<IHost> StartDataHostAsync(CancellationToken cancellationToken, Action<HostApplicationBuilder>? configure = null, bool initialize = true)
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
        // Commands that change what running nodes hold (a user's roles, clearance, state) tell them (NOTIFY on PostgreSQL).
        builder.AddClusterEvents();
        configure?.Invoke(builder);
        var host = builder.Build();
        if (!initialize)
        {
            return host;
        }
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(cancellationToken);
        return host;
    }
}
