using System.Globalization;

namespace AxWorkbench.Load;

/// <summary>The command line: see Program.cs for usage.</summary>
public sealed record LoadOptions(
    int Analysts, double Minutes, string Out, bool Ramp, int Step, double StepMinutes, int MaxAnalysts, int MaxTokens, string Web,
    double SampleSeconds, IReadOnlyList<string> ServerSettings, int ClientsNice = 0, bool ClientsIdle = false)
{
    public static LoadOptions? Parse(string[] args)
    {
        var settings = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var ramp = false;
        var clientsIdle = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--ramp":
                    ramp = true;
                    break;
                case "--clients-idle":
                    clientsIdle = true;
                    break;
                case "--server-setting" when i + 1 < args.Length:
                    settings.Add(args[++i]);
                    break;
                case var name when name.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length:
                    values[name[2..]] = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"error: '{args[i]}' is not an option (--analysts N --minutes M --out PATH [--ramp --step S --step-minutes M --max-analysts N] [--max-tokens T] [--web DLL] [--clients-nice N] [--clients-idle] [--server-setting --Key=Value]).");
                    return null;
            }
        }
        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        try
        {
            return new LoadOptions(
                int.Parse(Get("analysts", "16"), CultureInfo.InvariantCulture),
                double.Parse(Get("minutes", "2"), CultureInfo.InvariantCulture),
                Get("out", "load-report.json"),
                ramp,
                int.Parse(Get("step", "8"), CultureInfo.InvariantCulture),
                double.Parse(Get("step-minutes", "1"), CultureInfo.InvariantCulture),
                int.Parse(Get("max-analysts", "64"), CultureInfo.InvariantCulture),
                int.Parse(Get("max-tokens", "64"), CultureInfo.InvariantCulture),
                Path.GetFullPath(Get("web", "src/AxWorkbench.Web/bin/Release/net10.0/AxWorkbench.Web.dll")),
                double.Parse(Get("sample-seconds", "5"), CultureInfo.InvariantCulture),
                settings,
                int.Parse(Get("clients-nice", "0"), CultureInfo.InvariantCulture),
                clientsIdle);
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"error: a number option is not a number: {ex.Message}");
            return null;
        }
    }
}
