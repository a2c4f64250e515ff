using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Benchmarks.Inference;

/// <summary>
/// The inference benchmark: the workbench engine (through IChatClient, streaming) against two anchors on the same GGUF
/// with the same threads — llama.cpp's own llama-batched-bench (native) and the bare decode loop over the engine's own
/// libllama (in its own process) — at N = 1, 2, 4, 8 streams, interleaved round by round so that other load on the
/// machine hits all three alike; the best round of each is kept. Per-step profiles say where each microsecond goes.
/// </summary>
internal static class EngineBenchmark
{
    private static readonly int[] Levels = [1, 2, 4, 8];

    public static async Task<int> RunAsync(string[] args)
    {
        var map = ParseArgs(args);
        var options = EngineOptions(map);
        var tokens = int.Parse(map.GetValueOrDefault("tokens", "256"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(map.GetValueOrDefault("reps", "3"), CultureInfo.InvariantCulture);
        var temperature = float.Parse(map.GetValueOrDefault("temperature", "0"), CultureInfo.InvariantCulture);
        var outPath = map.GetValueOrDefault("out", "report.json");
        var model = options.ModelPath!;
        var loadAtStart = LoadAverage();
        Console.WriteLine($"model {model}, threads {options.Threads}, {tokens} tokens per stream, {rounds} rounds, temperature {temperature}, load average {loadAtStart}");

        NativeAnchor? native = null;
        if (!map.ContainsKey("no-native"))
        {
            native = NativeAnchor.Locate(map.GetValueOrDefault("native-bin"));
            Console.WriteLine($"native: {native.Bin} ({native.Release ?? "release unknown"}, {native.Commit ?? "commit unknown"})");
        }

        await using var contention = map.ContainsKey("contend") ? await ContendLoad.StartAsync(map, options.ModelPath!) : null;

        using var engine = new InferenceEngine(Options.Create(options));
        await engine.LoadAsync();
        if (engine.State != ModelState.Ready)
        {
            await Console.Error.WriteLineAsync("engine failed: " + engine.Error);
            return 2;
        }

        // the same driver over the engine's own library: separates what the library build costs from what the engine costs
        NativeAnchor? nativeOnLibrary = null;
        if (native is not null && !map.ContainsKey("no-native-on-library"))
        {
            nativeOnLibrary = native.OnLibrary(engine.Info!.Backend);
            Console.WriteLine(nativeOnLibrary is null
                ? "native on the engine's library: not run (the engine loads the native build's own library, or its folder lacks libllama/ggml)"
                : $"native on the engine's library: llama-batched-bench with LD_LIBRARY_PATH={nativeOnLibrary.LibraryDirectory} ({engine.Info!.Backend})");
        }

        IChatClient client = new LocalChatClient(engine);
        ChatMessage[] messages = [new(ChatRole.User, "Summarize the border activity report.")];
        // Warm-up until .NET's tiered compilation has settled: the engine serves for weeks, so its steady state is what
        // counts, and a few short streams leave the loop's and the streams' code in tier-0 (instrumented) for the first
        // rounds. The shared prompt prefix is cached from here on.
        var warmupSeconds = double.Parse(map.GetValueOrDefault("warmup-seconds", "15"), CultureInfo.InvariantCulture);
        var warmup = Stopwatch.StartNew();
        do
        {
            foreach (var n in Levels)
            {
                await RunStreams(client, messages, n, 64, temperature);
            }
        }
        while (warmup.Elapsed.TotalSeconds < warmupSeconds);

        // The harness itself (starting the anchors, reading their output) runs in this process between the engine's
        // phases; its methods cross tiered compilation's call-count threshold round after round and would be compiled on
        // the JIT's background thread while the engine decodes (a third busy thread on two cores). Each engine phase
        // starts once no method has been compiled for jit-quiet-ms (at most 5 s of waiting).
        var jitQuietMs = int.Parse(map.GetValueOrDefault("jit-quiet-ms", "500"), CultureInfo.InvariantCulture);
        var jitWaits = new List<double>();
        var nativeBest = new SortedDictionary<int, double>();
        var nativeOnLibraryBest = new SortedDictionary<int, double>();
        string? nativeOnLibraryError = null;
        var bareBest = new SortedDictionary<int, BareDecodeLoop.Result>();
        var engineBest = new SortedDictionary<int, (double Aggregate, EngineProfile Profile, double CpuPerToken)>();
        var ttfts = Levels.ToDictionary(n => n, _ => new List<double>());
        var perRound = new RoundFigures();
        for (var round = 1; round <= rounds; round++)
        {
            if (native is not null)
            {
                foreach (var (n, tps) in native.Run(model, options.Threads, tokens, options.ContextSize, options.FlashAttention, Levels, map.GetValueOrDefault("native-args")))
                {
                    nativeBest[n] = Math.Max(nativeBest.GetValueOrDefault(n), tps);
                    perRound.Native.Add((round, n, tps));
                }
            }

            if (nativeOnLibrary is not null && nativeOnLibraryError is null)
            {
                try
                {
                    foreach (var (n, tps) in nativeOnLibrary.Run(model, options.Threads, tokens, options.ContextSize, options.FlashAttention, Levels, map.GetValueOrDefault("native-args")))
                    {
                        nativeOnLibraryBest[n] = Math.Max(nativeOnLibraryBest.GetValueOrDefault(n), tps);
                        perRound.NativeOnLibrary.Add((round, n, tps));
                    }
                }
                catch (InvalidOperationException ex)
                {
                    // a library whose ABI the driver does not match: say so in the report, keep the other anchors
                    nativeOnLibraryError = ex.Message;
                    Console.WriteLine("native on the engine's library failed; not run again: " + ex.Message);
                }
            }

            foreach (var r in RunBareProcess(map, tokens, temperature))
            {
                perRound.Bare.Add((round, r.Sequences, r.TokensPerSecond));
                if (!bareBest.TryGetValue(r.Sequences, out var best) || r.TokensPerSecond > best.TokensPerSecond)
                {
                    bareBest[r.Sequences] = r;
                }
            }

            foreach (var n in Levels)
            {
                jitWaits.Add(await JitQuietAsync(jitQuietMs));
                using var process = Process.GetCurrentProcess();
                var cpu0 = process.TotalProcessorTime;
                var before = engine.Profile;
                var (agg, firsts, produced) = await RunStreams(client, messages, n, tokens, temperature);
                var profile = engine.Profile.Since(before);
                process.Refresh();
                var cpuPerToken = (process.TotalProcessorTime - cpu0).TotalMicroseconds / Math.Max(1, produced);
                ttfts[n].AddRange(firsts);
                perRound.Engine.Add((round, n, agg));
                if (!engineBest.TryGetValue(n, out var best) || agg > best.Aggregate)
                {
                    engineBest[n] = (agg, profile, cpuPerToken);
                }
            }

            {
                Console.WriteLine($"round {round} (load {LoadAverage()}): " + string.Join("  ", Levels.Select(n =>
                    $"N={n} native {nativeBest.GetValueOrDefault(n):F0} native-on-lib {nativeOnLibraryBest.GetValueOrDefault(n):F0} bare {bareBest.GetValueOrDefault(n)?.TokensPerSecond:F0} engine {engineBest.GetValueOrDefault(n).Aggregate:F0}")));
            }
        }

        var contended = contention is null ? null : await contention.FinishAsync();
        var sequential = await SequentialRequests(client, messages, int.Parse(map.GetValueOrDefault("sequential", "1000"), CultureInfo.InvariantCulture));
        var report = BuildReport(options, engine, native, tokens, rounds, temperature, nativeBest, bareBest, engineBest, ttfts, loadAtStart);
        AddNativeOnLibrary(report, nativeOnLibrary, nativeOnLibraryError, nativeOnLibraryBest, nativeBest, engineBest.ToDictionary(kv => kv.Key, kv => kv.Value.Aggregate));
        report["sequentialRequests"] = sequential;
        report["jitQuietBeforeEachPhase"] = new JsonObject
        {
            ["quietMs"] = jitQuietMs,
            ["waitedMsMedian"] = Math.Round(Stats.Percentile([.. jitWaits.Order()], 0.5), 0),
            ["waitedMsMax"] = Math.Round(jitWaits.DefaultIfEmpty(0).Max(), 0),
        };
        report["perRound"] = perRound.ToJson();
        if (contended is not null)
        {
            report["contention"] = contended;
        }

        var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var outDir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (!string.IsNullOrEmpty(outDir))
        {
            Directory.CreateDirectory(outDir);
        }

        await File.WriteAllTextAsync(outPath, json);
        Console.WriteLine(json);
        return 0;
    }

    private static JsonObject BuildReport(
        InferenceOptions options,
        InferenceEngine engine,
        NativeAnchor? native,
        int tokens,
        int rounds,
        float temperature,
        SortedDictionary<int, double> nativeBest,
        SortedDictionary<int, BareDecodeLoop.Result> bareBest,
        SortedDictionary<int, (double Aggregate, EngineProfile Profile, double CpuPerToken)> engineBest,
        Dictionary<int, List<double>> ttfts,
        string loadAtStart)
    {
        var info = engine.Info!;
        var engineAgg = engineBest.ToDictionary(kv => kv.Key, kv => kv.Value.Aggregate);
        var bareAgg = bareBest.ToDictionary(kv => kv.Key, kv => kv.Value.TokensPerSecond);
        var ttft = ttfts.ToDictionary(kv => kv.Key, kv =>
        {
            var sorted = kv.Value.Where(double.IsFinite).Order().ToArray();
            return (P50: Stats.Percentile(sorted, 0.5), P95: Stats.Percentile(sorted, 0.95));
        });
        var engineProfile = new JsonObject();
        foreach (var (n, (_, p, cpu)) in engineBest)
        {
            var steps = Math.Max(1, p.Steps);
            var tok = Math.Max(1, p.Tokens);
            engineProfile[Key(n)] = new JsonObject
            {
                ["steps"] = p.Steps,
                ["tokens"] = p.Tokens,
                ["meanSequencesPerStep"] = R((double)p.SequenceSteps / steps),
                ["buildMicrosPerStep"] = R(p.BuildMicros / steps),
                ["decodeMicrosPerStep"] = R(p.DecodeMicros / steps),
                ["sampleMicrosPerStep"] = R(p.SampleMicros / steps),
                ["emitMicrosPerStep"] = R(p.EmitMicros / steps),
                ["scheduleMicrosPerStep"] = R(p.ScheduleMicros / steps),
                ["waitMicrosPerStep"] = R(p.WaitMicros / steps),
                ["sampleMicrosPerToken"] = R(p.SampleMicros / tok),
                ["emitMicrosPerToken"] = R(p.EmitMicros / tok),
                ["loopThreadCpuMicrosPerStep"] = R(p.ThreadCpuMicros / steps),
                ["loopThreadRunnableWaitMicrosPerStep"] = R(p.ThreadRunnableMicros / steps),
                ["processCpuMicrosPerToken"] = R(cpu),
            };
        }

        var bareProfile = new JsonObject();
        foreach (var (n, r) in bareBest)
        {
            bareProfile[Key(n)] = new JsonObject
            {
                ["steps"] = r.Steps,
                ["buildMicrosPerStep"] = R(r.BuildMicrosPerStep),
                ["decodeMicrosPerStep"] = R(r.DecodeMicrosPerStep),
                ["sampleMicrosPerStep"] = R(r.SampleMicrosPerStep),
                ["sampleMicrosPerToken"] = R(r.SampleMicrosPerStep / n),
                ["loopThreadCpuMicrosPerStep"] = R(r.ThreadCpuMicrosPerStep),
                ["loopThreadRunnableWaitMicrosPerStep"] = R(r.ThreadRunnableMicrosPerStep),
                ["processCpuMicrosPerToken"] = R(r.ProcessCpuMicrosPerToken),
            };
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new JsonObject
        {
            ["model"] = info.FileName,
            ["parameters"] = info.ParameterCount,
            ["isFixture"] = info.IsFixture,
            ["threads"] = options.Threads,
            ["flashAttention"] = options.FlashAttention,
            ["kvUnified"] = options.KvUnified,
            ["sampling"] = $"{(options.NativeSampling ? "LLamaSharp native chain" : "engine's managed sampler")}, temperature {temperature.ToString(CultureInfo.InvariantCulture)}",
            ["tokensPerStream"] = tokens,
            ["rounds"] = rounds,
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
            ["loadAverage"] = new JsonObject { ["start"] = loadAtStart, ["end"] = LoadAverage() },
            ["library"] = info.Backend,
            ["threadWaitPolicy"] = options.ThreadWaitPolicy.ToString(),
            ["decodeNice"] = options.DecodeNice, // the engine's decode threads; the bare loop runs at the process's priority
            ["ompWaitPolicyEnvironment"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset: libgomp's default, spinning)",
            ["gompSpinCountEnvironment"] = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") ?? "(unset)",
            ["native"] = native is null ? null : new JsonObject
            {
                ["bin"] = native.Bin,
                ["release"] = native.Release,
                ["build"] = native.Commit,
                ["command"] = native.LastCommand,
            },
            ["nativeAggregate"] = Map(nativeBest),
            ["bareAggregate"] = Map(bareAgg),
            ["engineAggregate"] = Map(engineAgg),
            ["engineOverNative"] = Ratios(engineAgg, nativeBest),
            ["engineOverBare"] = Ratios(engineAgg, bareAgg),
            ["bareOverNative"] = Ratios(bareAgg, nativeBest),
            ["engineCpuPerTokenOverBare"] = Map(Levels.Where(bareBest.ContainsKey).ToDictionary(n => n, n => engineBest[n].CpuPerToken / bareBest[n].ProcessCpuMicrosPerToken)),
            ["aggregateSpeedup"] = Map(Levels.ToDictionary(n => n, n => engineAgg[n] / engineAgg[1])),
            ["nativeAggregateSpeedup"] = !nativeBest.ContainsKey(1) ? null : Map(Levels.Where(nativeBest.ContainsKey).ToDictionary(n => n, n => nativeBest[n] / nativeBest[1])),
            ["stepProfile"] = new JsonObject { ["engine"] = engineProfile, ["bare"] = bareProfile },
            ["ttftP50Ms"] = Map(ttft.ToDictionary(kv => kv.Key, kv => kv.Value.P50)),
            ["ttftP95Ms"] = Map(ttft.ToDictionary(kv => kv.Key, kv => kv.Value.P95)),
            ["ttftP95OverIdle"] = Map(ttft.ToDictionary(kv => kv.Key, kv => kv.Value.P95 / ttft[1].P95)),
            ["peakWorkingSetMb"] = Math.Round(process.PeakWorkingSet64 / 1048576.0, 1),
        };
    }

    /// <summary>Waits until no method has been JIT-compiled for <paramref name="quietMs"/> (at most 5 s); returns the ms waited.</summary>
    private static async Task<double> JitQuietAsync(int quietMs)
    {
        var sw = Stopwatch.StartNew();
        if (quietMs <= 0)
        {
            return 0;
        }

        var count = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = sw.ElapsedMilliseconds;
        while (sw.ElapsedMilliseconds - quietSince < quietMs && sw.ElapsedMilliseconds < 5000)
        {
            await Task.Delay(50);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != count)
            {
                count = now;
                quietSince = sw.ElapsedMilliseconds;
            }
        }

        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// llama-batched-bench over the engine's own library beside the native build: <c>nativeOnEngineLibraryOverNative</c>
    /// is the library build's cost (no managed code in it), <c>engineOverNativeOnEngineLibrary</c> the engine's own cost
    /// over the library it really runs on.
    /// </summary>
    private static void AddNativeOnLibrary(JsonObject report, NativeAnchor? anchor, string? error, SortedDictionary<int, double> best, SortedDictionary<int, double> nativeBest, Dictionary<int, double> engineAgg)
    {
        if (anchor is null)
        {
            return;
        }

        report["nativeOnEngineLibrary"] = new JsonObject
        {
            ["libraryLinks"] = anchor.LibraryDirectory,
            ["command"] = anchor.LastCommand,
            ["error"] = error,
        };
        if (best.Count == 0)
        {
            return;
        }

        report["nativeOnEngineLibraryAggregate"] = Map(best);
        report["engineOverNativeOnEngineLibrary"] = Ratios(engineAgg, best);
        report["nativeOnEngineLibraryOverNative"] = Ratios(best, nativeBest);
    }

    /// <summary>
    /// Each contender's aggregate tokens/s in every round, and the median over rounds of the per-round ratios. A round
    /// runs native, bare and engine back to back, so its ratios share the machine's state at that moment; the best-of
    /// figures above pick each contender's luckiest round separately, which on a shared machine whose speed drifts by
    /// ±30 % between minutes can favour either side. The medians are the figures of record.
    /// </summary>
    private sealed class RoundFigures
    {
        public List<(int Round, int N, double Tps)> Native { get; } = [];

        public List<(int Round, int N, double Tps)> NativeOnLibrary { get; } = [];

        public List<(int Round, int N, double Tps)> Bare { get; } = [];

        public List<(int Round, int N, double Tps)> Engine { get; } = [];

        public JsonObject ToJson()
        {
            static JsonObject Table(List<(int Round, int N, double Tps)> rows) => new(rows.GroupBy(r => r.N).OrderBy(g => g.Key)
                .Select(g => KeyValuePair.Create(Key(g.Key), (JsonNode?)new JsonArray([.. g.OrderBy(r => r.Round).Select(r => (JsonNode?)JsonValue.Create(Math.Round(r.Tps, 1)))]))));
            JsonObject? Median(List<(int Round, int N, double Tps)> top, List<(int Round, int N, double Tps)> bottom)
            {
                if (top.Count == 0 || bottom.Count == 0)
                {
                    return null;
                }

                var ratios = top.Join(bottom, t => (t.Round, t.N), b => (b.Round, b.N), (t, b) => (t.N, Ratio: t.Tps / b.Tps))
                    .GroupBy(r => r.N).OrderBy(g => g.Key)
                    .ToDictionary(g => g.Key, g => Stats.Percentile([.. g.Select(r => r.Ratio).Order()], 0.5));
                return Map(ratios);
            }

            return new JsonObject
            {
                ["native"] = Native.Count == 0 ? null : Table(Native),
                ["nativeOnEngineLibrary"] = NativeOnLibrary.Count == 0 ? null : Table(NativeOnLibrary),
                ["bare"] = Table(Bare),
                ["engine"] = Table(Engine),
                ["engineOverNativeMedian"] = Median(Engine, Native),
                ["engineOverBareMedian"] = Median(Engine, Bare),
                ["bareOverNativeMedian"] = Median(Bare, Native),
                ["engineOverNativeOnEngineLibraryMedian"] = Median(Engine, NativeOnLibrary),
                ["nativeOnEngineLibraryOverNativeMedian"] = Median(NativeOnLibrary, Native),
            };
        }
    }

    /// <summary>
    /// <paramref name="count"/> short requests one after another (8 tokens each): the process's working set after the
    /// first tenth and at the end, after a full collection each time — growth means something per request is kept.
    /// </summary>
    private static async Task<JsonObject> SequentialRequests(IChatClient client, ChatMessage[] messages, int count)
    {
        if (count <= 0)
        {
            return new JsonObject { ["count"] = 0 };
        }

        double WorkingSetMb()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var p = Process.GetCurrentProcess();
            return p.WorkingSet64 / 1048576.0;
        }

        var sw = Stopwatch.StartNew();
        var after10 = 0.0;
        for (var i = 0; i < count; i++)
        {
            if (i == count / 10)
            {
                after10 = WorkingSetMb();
            }

            var options = new ChatOptions { MaxOutputTokens = 8, Seed = i, Temperature = 0.8f }.ForUser("sequential");
            await foreach (var update in client.GetStreamingResponseAsync(messages, options))
            {
                _ = update;
            }
        }

        var end = WorkingSetMb();
        return new JsonObject
        {
            ["count"] = count,
            ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1),
            ["workingSetMbAfterFirstTenth"] = Math.Round(after10, 1),
            ["workingSetMbAtEnd"] = Math.Round(end, 1),
            ["growthMb"] = Math.Round(end - after10, 1),
        };
    }

    /// <summary>Starts this benchmark's <c>bare</c> command in a child process and reads its per-level results.</summary>
    private static List<BareDecodeLoop.Result> RunBareProcess(Dictionary<string, string> map, int tokens, float temperature)
    {
        var args = new List<string>(SelfCommand.Prefix) { "bare", "--tokens", tokens.ToString(CultureInfo.InvariantCulture), "--temperature", temperature.ToString(CultureInfo.InvariantCulture), "--levels", string.Join(',', Levels) };
        foreach (var key in new[] { "model", "threads", "lib", "no-flash", "kv-unified", "wait-policy", "bare-warmup-seconds" })
        {
            if (map.TryGetValue(key, out var value))
            {
                args.Add("--" + key);
                args.Add(value);
            }
        }

        var psi = new ProcessStartInfo(SelfCommand.FileName, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"the bare loop failed (exit {p.ExitCode}): {stderr.Result[^Math.Min(800, stderr.Result.Length)..]}");
        }

        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<BareDecodeLoop.Result>(l)!)];
    }

    /// <summary>N streams at once through IChatClient: generation-phase aggregate tok/s, times to first token, tokens produced.</summary>
    private static async Task<(double Aggregate, List<double> Ttft, long Produced)> RunStreams(IChatClient client, ChatMessage[] messages, int n, int tokens, float temperature)
    {
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, n).Select(async i =>
        {
            var start = sw.Elapsed.TotalMilliseconds;
            double? first = null;
            long produced = 0;
            var options = new ChatOptions { MaxOutputTokens = tokens, Seed = i + 1, Temperature = temperature }.ForUser("bench" + i);
            await foreach (var u in client.GetStreamingResponseAsync(messages, options))
            {
                if (first is null && u.Text.Length > 0)
                {
                    first = sw.Elapsed.TotalMilliseconds - start;
                }

                foreach (var usage in u.Contents.OfType<UsageContent>())
                {
                    produced = usage.Details.OutputTokenCount ?? 0;
                }
            }

            var end = sw.Elapsed.TotalMilliseconds;
            return (Ttft: first ?? double.NaN, FirstAt: start + (first ?? 0), End: end, Produced: produced);
        }).ToList();
        var results = await Task.WhenAll(tasks);

        // Generation phase, as the anchors measure it: tokens after each stream's first, from the first token of the
        // last stream to start (all streams decoding together) to the end of the last stream.
        var phaseStart = results.Max(r => r.FirstAt);
        var phaseTokens = results.Sum(r => r.Produced - 1 - (long)Math.Round((phaseStart - r.FirstAt) / ((r.End - r.FirstAt) / Math.Max(1, r.Produced - 1))));
        var phaseSeconds = (results.Max(r => r.End) - phaseStart) / 1000;
        return (phaseTokens / phaseSeconds, results.Select(r => r.Ttft).ToList(), results.Sum(r => r.Produced));
    }

    /// <summary>The engine's settings for the benchmark (also the bare loop's: same context, batch, threads, library).</summary>
    public static InferenceOptions EngineOptions(Dictionary<string, string> map)
    {
        var tokens = int.Parse(map.GetValueOrDefault("tokens", "256"), CultureInfo.InvariantCulture);
        var model = map.GetValueOrDefault("model", "");
        if (string.IsNullOrEmpty(model))
        {
            model = FixtureModelWriter.EnsureWritten(Path.Combine(Path.GetTempPath(), "ax-bench"), map.GetValueOrDefault("fixture", "medium"), 42);
        }

        return new InferenceOptions
        {
            ModelPath = model,
            Threads = int.Parse(map.GetValueOrDefault("threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            MaxParallelSequences = Levels.Max(),
            ContextSize = Math.Max(512, tokens + 128),
            BatchSize = 512,
            UBatchSize = 512,
            MaxQueueLength = 64,
            DefaultMaxTokens = tokens,
            KvUnified = map.ContainsKey("kv-unified"),
            FlashAttention = !map.ContainsKey("no-flash"),
            NativeSampling = map.ContainsKey("native-sampling"),
            NativeLibraryPath = map.GetValueOrDefault("lib"),
            ThreadWaitPolicy = map.TryGetValue("wait-policy", out var policy) ? Enum.Parse<ThreadWaitPolicy>(policy, ignoreCase: true) : new InferenceOptions().ThreadWaitPolicy,
            PrefixCacheMinTokens = int.Parse(map.GetValueOrDefault("prefix-cache-min-tokens", "16"), CultureInfo.InvariantCulture),
            StreamFlushIntervalMs = int.Parse(map.GetValueOrDefault("flush-ms", "25"), CultureInfo.InvariantCulture),
            DecodeNice = int.Parse(map.GetValueOrDefault("decode-nice", new InferenceOptions().DecodeNice.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        };
    }

    public static Dictionary<string, string> ParseArgs(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                map[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            }
        }

        return map;
    }

    /// <summary>/proc/loadavg's three averages, or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string Key(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static double R(double v) => Math.Round(v, 1);

    /// <summary>N → top[N] ÷ bottom[N] for the levels both have; null when the bottom contender did not run.</summary>
    private static JsonObject? Ratios(IReadOnlyDictionary<int, double> top, IReadOnlyDictionary<int, double> bottom) =>
        bottom.Count == 0 ? null : Map(Levels.Where(n => top.ContainsKey(n) && bottom.ContainsKey(n)).ToDictionary(n => n, n => top[n] / bottom[n]));

    private static JsonObject Map(IEnumerable<KeyValuePair<int, double>> values) =>
        new(values.Select(kv => KeyValuePair.Create(Key(kv.Key), (JsonNode?)JsonValue.Create(Math.Round(kv.Value, 3)))));
}
