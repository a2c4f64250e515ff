using AxWorkbench.Core.Data;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Shell;

/// <summary>A wrong setting stops the app with a message that names it, not a stack trace.</summary>
public static class StartupErrors
{
    /// <summary>Exit code when a setting stops the start.</summary>
    public const int ExitCode = 2;

    /// <summary>The messages of a start that failed on settings; empty when the failure is anything else.</summary>
    public static IReadOnlyList<string> SettingsMessages(Exception ex) => ex switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Select(SettingsMessages).Any(e => e.Count == 0)
            ? []
            : [.. aggregate.InnerExceptions.SelectMany(SettingsMessages).Distinct()],
        OptionsValidationException or DatabaseConfigurationException => [ex.Message],
        InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" } => [ex.Message],
        _ => [],
    };

    public static async Task<int> ReportAsync(IReadOnlyList<string> messages)
    {
        foreach (var message in messages)
        {
            await Console.Error.WriteLineAsync($"AxWorkbench cannot start: {message}");
        }
        return ExitCode;
    }
}
