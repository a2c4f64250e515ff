using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Benchmarks.Api;

/// <summary>
/// `api [--web PATH/AxWorkbench.Web.dll] [--model GGUF] [--threads N] [--tokens T] [--reps R] [--llama-server PATH] [--out FILE]`:
/// aggregate tokens/s of 1, 4 and 8 concurrent streaming HTTP clients of the workbench's <c>/v1/chat/completions</c>
/// (the real executable, started here with /v1 on) ÷ the same clients' aggregate on the in-process engine
/// (<see cref="LocalChatClient"/> in this process), same GGUF and engine settings, and time to first token p50/p95 for
/// both. Both are loaded together and measured alternately at each concurrency, so load from elsewhere hits both alike;
/// the best repetition is kept. With <c>--llama-server</c>, the same HTTP clients against llama.cpp's server on the same GGUF.
/// </summary>
public static class ApiBenchmark
{
    private static readonly int[] Levels = [1, 4, 8];

    public static async Task<int> RunAsync(string[] args)
    {
        var threads = IntArg(args, "--threads", Environment.ProcessorCount);
        var tokens = IntArg(args, "--tokens", 128);
        var reps = IntArg(args, "--reps", 3);
        var outFile = StringArg(args, "--out", "api-benchmark.json");
        var web = Path.GetFullPath(StringArg(args, "--web", "src/AxWorkbench.Web/bin/Release/net10.0/AxWorkbench.Web.dll"));
        var llamaServer = StringArg(args, "--llama-server", "");
        if (!File.Exists(web))
        {
            await Console.Error.WriteLineAsync($"--web: {web} does not exist; build it first (dotnet build src/AxWorkbench.Web -c Release).");
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), "axwb-api-bench-" + Guid.NewGuid().ToString("N"));
        var model = StringArg(args, "--model", "");
        if (string.IsNullOrEmpty(model))
        {
            model = FixtureModelWriter.EnsureWritten(Path.Combine(Path.GetTempPath(), "ax-bench"), "medium", 42);
        }

        var options = new InferenceOptions
        {
            ModelPath = model, Threads = threads, MaxParallelSequences = Levels.Max(), ContextSize = Math.Max(512, tokens + 128), MaxQueueLength = 64, DefaultMaxTokens = tokens,
        };
        string[] engineSettings =
        [
            $"--Inference:ModelPath={model}", $"--Inference:Threads={threads}", $"--Inference:MaxParallelSequences={options.MaxParallelSequences}",
            $"--Inference:ContextSize={options.ContextSize}", "--Inference:MaxQueueLength=64",
        ];
        var loadAtStart = LoadAverage();
        Console.WriteLine($"model {model}, threads {threads}, {tokens} tokens per stream, {reps} reps, load average {loadAtStart}");
        var processes = new List<Process>();
        try
        {
            var key = await AddKeyAsync(web, work);
            var port = FreePort();
            processes.Add(Start("dotnet", [web, "--urls", $"http://127.0.0.1:{port}", $"--Data:DataDirectory={work}", "--Demo:Enabled=false", "--Api:Enabled=true",
                $"--Api:MaxTokens={tokens}", $"--Api:DefaultMaxTokens={tokens}", "--Retrieval:Embedder=None", "--Logging:LogLevel:Default=Warning", .. engineSettings]));
            var workbench = new HttpTarget(new Uri($"http://127.0.0.1:{port}/v1/"), key);
            workbench.Model = await workbench.WaitForModelAsync(TimeSpan.FromMinutes(5));

            HttpTarget? llama = null;
            if (!string.IsNullOrEmpty(llamaServer))
            {
                var llamaPort = FreePort();
                processes.Add(Start(llamaServer, ["-m", model, "--host", "127.0.0.1", "--port", llamaPort.ToString(CultureInfo.InvariantCulture),
                    "-np", options.MaxParallelSequences.ToString(CultureInfo.InvariantCulture), "-c", (options.ContextSize * options.MaxParallelSequences).ToString(CultureInfo.InvariantCulture),
                    "-t", threads.ToString(CultureInfo.InvariantCulture),
                    // No spinning between requests: its threads would otherwise busy-wait on the 2 cores the other measurements use.
                    "--poll", "0"]));
                // ignore_eos: llama-server would end each answer at the fixture's end-of-turn token after a few tokens; the workbench
                // streams max_tokens, so without it the two would not produce the same work.
                llama = new HttpTarget(new Uri($"http://127.0.0.1:{llamaPort}/v1/"), "none") { IgnoreEos = true };
                llama.Model = await llama.WaitForModelAsync(TimeSpan.FromMinutes(5));
            }

            using var engine = new InferenceEngine(Options.Create(options));
            await engine.LoadAsync();
            if (engine.State != ModelState.Ready)
            {
                await Console.Error.WriteLineAsync("in-process engine failed: " + engine.Error);
                return 2;
            }

            IChatClient local = new LocalChatClient(engine);
            await RunLocalAsync(local, 1, 16); // warm-up of both paths
            await workbench.WaitUntilServedAsync(TimeSpan.FromMinutes(5)); // a large GGUF may still be loading in the web process

            var results = new Dictionary<string, SortedDictionary<int, Run>> { ["inProcess"] = [], ["workbenchV1"] = [], ["llamaServer"] = [] };
            foreach (var n in Levels)
            {
                for (var r = 0; r < reps; r++)
                {
                    Keep(results["inProcess"], n, await RunLocalAsync(local, n, tokens));
                    Keep(results["workbenchV1"], n, await workbench.RunAsync(n, tokens));
                    if (llama is not null)
                    {
                        Keep(results["llamaServer"], n, await llama.RunAsync(n, tokens));
                    }
                }

                Console.WriteLine($"N={n}: in-process {results["inProcess"][n].Aggregate,7:F0} tok/s  /v1 {results["workbenchV1"][n].Aggregate,7:F0} tok/s " +
                    $"(ratio {results["workbenchV1"][n].Aggregate / results["inProcess"][n].Aggregate:F3})  ttft p95 {results["inProcess"][n].TtftP95:F0} / {results["workbenchV1"][n].TtftP95:F0} ms" +
                    (llama is null ? "" : $"  llama-server {results["llamaServer"][n].Aggregate,7:F0} tok/s ({results["llamaServer"][n].Tokens} tokens, ttft p95 {results["llamaServer"][n].TtftP95:F0} ms)"));
            }

            var report = new JsonObject
            {
                ["command"] = "dotnet run -c Release --project tests/AxWorkbench.Benchmarks -- api " + string.Join(' ', args),
                ["model"] = Path.GetFileName(model),
                ["isFixture"] = engine.Info?.IsFixture,
                ["threads"] = threads,
                ["tokensPerStream"] = tokens,
                ["repetitions"] = reps,
                ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
                ["loadAverageAtStart"] = loadAtStart,
                ["loadAverageAtEnd"] = LoadAverage(),
                ["measure"] = "aggregate = completion tokens of all N streams / wall time from the first request to the last [DONE]; best of the repetitions",
                ["inProcess"] = Report(results["inProcess"]),
                ["workbenchV1"] = Report(results["workbenchV1"]),
                ["v1OverInProcess"] = Ratios(results["workbenchV1"], results["inProcess"]),
                ["target"] = "v1OverInProcess >= 0.9 at each concurrency",
            };
            if (llama is not null)
            {
                report["llamaServer"] = Report(results["llamaServer"]);
                report["v1OverLlamaServer"] = Ratios(results["workbenchV1"], results["llamaServer"]);
            }

            var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            await File.WriteAllTextAsync(outFile, json);
            Console.WriteLine(json);
            return 0;
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }

                process.Dispose();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // cleaned with the temp folder later
            }
        }
    }

    public sealed record Run(double Aggregate, double TtftP50, double TtftP95, long Tokens);

    private static void Keep(SortedDictionary<int, Run> best, int n, Run run)
    {
        if (!best.TryGetValue(n, out var kept) || run.Aggregate > kept.Aggregate)
        {
            best[n] = run;
        }
    }

    private static JsonObject Report(SortedDictionary<int, Run> runs) => new(runs.Select(kv => KeyValuePair.Create(
        kv.Key.ToString(CultureInfo.InvariantCulture),
        (JsonNode?)new JsonObject
        {
            ["tokensPerSecond"] = Number(kv.Value.Aggregate, 1),
            ["ttftP50Ms"] = Number(kv.Value.TtftP50, 1),
            ["ttftP95Ms"] = Number(kv.Value.TtftP95, 1),
            ["completionTokens"] = kv.Value.Tokens,
        })));

    private static JsonObject Ratios(SortedDictionary<int, Run> over, SortedDictionary<int, Run> under) => new(over.Select(kv => KeyValuePair.Create(
        kv.Key.ToString(CultureInfo.InvariantCulture), Number(kv.Value.Aggregate / under[kv.Key].Aggregate, 3))));

    /// <summary>A figure for the report; null where it could not be measured (no text seen, nothing produced: NaN or ∞).</summary>
    private static JsonNode? Number(double value, int digits) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, digits)) : null;

    private static async Task<Run> RunLocalAsync(IChatClient client, int n, int tokens)
    {
        ChatMessage[] messages = [new(ChatRole.User, "Summarize the border activity report.")];
        var clock = Stopwatch.StartNew();
        var streams = await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
        {
            var start = clock.Elapsed.TotalMilliseconds;
            double? first = null;
            long produced = 0;
            var chatOptions = new ChatOptions { MaxOutputTokens = tokens, Seed = i + 1 }.ForUser("bench" + i).WithPriority(RequestPriority.Api);
            await foreach (var update in client.GetStreamingResponseAsync(messages, chatOptions))
            {
                first ??= update.Text.Length > 0 ? clock.Elapsed.TotalMilliseconds - start : null;
                produced = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details.OutputTokenCount ?? produced;
            }

            return (Ttft: first ?? double.NaN, Produced: produced);
        }));
        return Summarize(clock.Elapsed.TotalSeconds, streams);
    }

    private static Run Summarize(double seconds, (double Ttft, long Produced)[] streams)
    {
        var sorted = streams.Select(s => s.Ttft).Where(t => !double.IsNaN(t)).Order().ToArray();
        var total = streams.Sum(s => s.Produced);
        return new Run(total / seconds, Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.95), total);
    }

    /// <summary>An OpenAI-compatible server and the streaming clients the benchmark runs against it.</summary>
    private sealed class HttpTarget(Uri v1, string key)
    {
        private readonly HttpClient _http = new() { BaseAddress = v1, Timeout = Timeout.InfiniteTimeSpan };

        public string Model { get; set; } = "";

        /// <summary>Sends llama.cpp's <c>ignore_eos</c> so every stream runs to max_tokens.</summary>
        public bool IgnoreEos { get; init; }

        public async Task<string> WaitForModelAsync(TimeSpan timeout)
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "models");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    using var response = await _http.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        return json.RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
                    }
                }
                catch (HttpRequestException) when (waited.Elapsed < timeout)
                {
                    // not listening yet
                }

                if (waited.Elapsed > timeout)
                {
                    throw new TimeoutException($"{v1} did not list a model within {timeout}.");
                }

                await Task.Delay(250);
            }
        }

        /// <summary>Sends one short answer until it is served: 503 (the model still loading) is retried.</summary>
        public async Task WaitUntilServedAsync(TimeSpan timeout)
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await RunAsync(1, 16);
                    return;
                }
                catch (HttpRequestException ex) when (ex.Message.Contains(" answered 503", StringComparison.Ordinal) && waited.Elapsed < timeout)
                {
                    await Task.Delay(1000);
                }
            }
        }

        public async Task<Run> RunAsync(int n, int tokens)
        {
            var clock = Stopwatch.StartNew();
            var streams = await Task.WhenAll(Enumerable.Range(0, n).Select(i => StreamAsync(i, tokens, clock)));
            return Summarize(clock.Elapsed.TotalSeconds, streams);
        }

        private string Body(int i, int tokens)
        {
            var body = new JsonObject
            {
                ["model"] = Model, ["stream"] = true, ["max_tokens"] = tokens, ["seed"] = i + 1, ["stream_options"] = new JsonObject { ["include_usage"] = true },
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Summarize the border activity report." }),
            };
            if (IgnoreEos)
            {
                body["ignore_eos"] = true;
            }

            return body.ToJsonString();
        }

        private async Task<(double Ttft, long Produced)> StreamAsync(int i, int tokens, Stopwatch clock)
        {
            var start = clock.Elapsed.TotalMilliseconds;
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
            {
                Content = new StringContent(Body(i, tokens), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"{v1} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            double? first = null;
            long produced = 0;
            long pieces = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: {", StringComparison.Ordinal))
                {
                    continue;
                }

                using var chunk = JsonDocument.Parse(line.AsMemory(6));
                if (chunk.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
                    && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
                    && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 })
                {
                    first ??= clock.Elapsed.TotalMilliseconds - start;
                    pieces++;
                }

                if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    produced = usage.GetProperty("completion_tokens").GetInt64();
                }
            }

            // A server that sends no usage (llama-server without include_usage support): one piece per token.
            return (first ?? double.NaN, produced > 0 ? produced : pieces);
        }
    }

    private static async Task<string> AddKeyAsync(string web, string data)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["Data__DataDirectory"] = data } };
        foreach (var arg in new[] { web, "keys", "add", "bench", "--clearance", "SECRET", "--unit", "bench", "--requests-per-minute", "1000000" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Key (shown once): ", StringComparison.Ordinal));
        return line?["Key (shown once): ".Length..].Trim() ?? throw new InvalidOperationException("keys add printed no key: " + output + await process.StandardError.ReadToEndAsync());
    }

    private static Process Start(string file, IEnumerable<string> args)
    {
        // Their own output (llama-server logs every request) is drained, not shown: the benchmark prints its figures.
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    private static string StringArg(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
