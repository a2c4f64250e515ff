using System.Globalization;
using System.Text.Json;
using AxWorkbench.Core.Inference;

namespace AxWorkbench.Benchmarks.Inference;

/// <summary>
/// <c>bare --model M --threads T --tokens N --levels 1,2,4,8 [--lib PATH] [--temperature X] [--max-sequences S]</c>: the
/// bare decode loop in its own process (the inference benchmark starts it once per round). Warms up, then runs each level
/// once and writes one JSON line per level to stdout.
/// </summary>
internal static class BareLoopCommand
{
    public static int Run(string[] args)
    {
        var map = EngineBenchmark.ParseArgs(args);
        var options = EngineBenchmark.EngineOptions(map);
        var tokens = int.Parse(map.GetValueOrDefault("tokens", "256"), CultureInfo.InvariantCulture);
        var temperature = float.Parse(map.GetValueOrDefault("temperature", "0"), CultureInfo.InvariantCulture);
        var levels = map.GetValueOrDefault("levels", "1,2,4,8").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        using var loop = new BareDecodeLoop(options.ModelPath!, options);
        // warm-up: weights paged in, threadpool and KV buffers touched, and this fresh process's loop code tiered up
        var warmupSeconds = double.Parse(map.GetValueOrDefault("bare-warmup-seconds", "2"), CultureInfo.InvariantCulture);
        var warmup = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            foreach (var n in levels.Distinct())
            {
                loop.Run(n, 64, temperature);
            }
        }
        while (warmup.Elapsed.TotalSeconds < warmupSeconds);
        foreach (var n in levels)
        {
            var r = loop.Run(n, tokens, temperature);
            Console.WriteLine(JsonSerializer.Serialize(r));
        }

        Console.Error.WriteLine("library " + BareDecodeLoop.LibraryPath);
        return 0;
    }
}
