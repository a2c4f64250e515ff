using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Lucene.Net.Store;

namespace AxWorkbench.Benchmarks.Retrieval;

/// <summary>
/// Retrieval benchmark over SQuAD-format files: each paragraph is a document (chunked as the workbench chunks),
/// each question a query; recall@1/5/10 and MRR@10 of the paragraph holding the answer, for BM25 alone, vectors
/// alone (MiniLM, English only: Korean questions get no vectors), the old rank-only fusion (RRF, k = 10) and the
/// score fusion hybrid search uses now, each on the tuning part and on the held-aside part of the questions (a
/// third of the articles, chosen by a hash of the article's title: see <see cref="FusionTuning"/>); indexing
/// throughput; query latency p50/p95 (query embedding included); and hybrid p95 over 100k chunks (real ones plus
/// synthesized ones). <c>--tune</c> searches the fusion settings on the tuning parts alone and reports the grid's best.
/// Usage: retrieval --squad PATH [--squad PATH ...] [--out report.json] [--max-questions N] [--synthetic N]
///        [--fusion-weight W] [--pin-margin M] [--tune] [--fp32 (MiniLM's float model)] [--threads N (0: half the cores)] [--max-tokens T]
/// </summary>
public static class RetrievalBenchmark
{

    public static async Task<int> RunAsync(string[] args)
    {
        var squads = new List<string>();
        var outPath = "retrieval-report.json";
        var maxQuestions = int.MaxValue;
        var synthetic = 100_000;
        var scaleOnly = false;
        var fusion = FusionSettings.Default;
        var tune = false;
        var fp32 = false;
        var threads = 0;
        var maxTokens = MiniLmEmbeddingGenerator.TrainedTokens;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--squad" when i + 1 < args.Length: squads.Add(args[++i]); break;
                case "--out" when i + 1 < args.Length: outPath = args[++i]; break;
                case "--max-questions" when i + 1 < args.Length: maxQuestions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--synthetic" when i + 1 < args.Length: synthetic = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fusion-weight" when i + 1 < args.Length: fusion = fusion with { Bm25Weight = double.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--pin-margin" when i + 1 < args.Length: fusion = fusion with { PinMargin = double.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--tune": tune = true; break;
                case "--scale-only": scaleOnly = true; break;
                case "--fp32": fp32 = true; break;
                case "--max-tokens" when i + 1 < args.Length: maxTokens = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads" when i + 1 < args.Length: threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "retrieval": break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'. Usage: retrieval --squad PATH [--squad PATH ...] [--out report.json] [--max-questions N] [--synthetic N] [--fusion-weight W] [--pin-margin M] [--tune] [--scale-only] [--fp32] [--threads N] [--max-tokens T]");
                    return 2;
            }
        }

        if (squads.Count == 0)
        {
            await Console.Error.WriteLineAsync("give at least one --squad PATH (a SQuAD-format JSON file), e.g. --squad ../shared/corpora/xquad-en/xquad.en.json");
            return 2;
        }

        using var embedder = new MiniLmEmbeddingGenerator { BatchSize = 16, Quantized = !fp32, Threads = threads, MaxTokens = maxTokens };
        await embedder.GenerateAsync(["warm up"]);
        var report = new JsonObject();
        var details = new JsonObject { ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}", ["embedder"] = embedder.Profile.Id };
        var allChunks = new List<StoredChunk>();
        var sets = new List<FusionTuning.DataSet>();
        long nextId = 1;
        foreach (var path in scaleOnly ? new List<string>() : squads)
        {
            var (set, detail, chunks) = await RunDataSetAsync(path, embedder, maxQuestions, fusion, () => nextId++);
            details[Path.GetFileName(path)] = detail;
            allChunks.AddRange(chunks);
            sets.Add(set);
        }

        if (tune)
        {
            var (best, grid) = FusionTuning.Tune(sets);
            report["tuning"] = grid;
            Console.WriteLine($"tuned on the tuning parts: weight {best.Bm25Weight}, pin margin {best.PinMargin} (running with weight {fusion.Bm25Weight}, pin margin {fusion.PinMargin})");
        }

        if (scaleOnly)
        {
            synthetic = Math.Max(synthetic, 1);
        }
        else
        {
            WriteSets(report, sets, fusion);
        }

        if (synthetic > 0)
        {
            var (p95, searchP95, searchCpuP95, count) = await LatencyAtScaleAsync(allChunks, squads, embedder, synthetic, fusion, () => nextId++);
            report["queryP95MsAt100k"] = Math.Round(p95, 2);
            report["scale"] = new JsonObject { ["chunks"] = count, ["hybridP95MsWithQueryEmbedding"] = Math.Round(p95, 2), ["hybridSearchOnlyP95Ms"] = Math.Round(searchP95, 2),
                ["hybridSearchOnlyCpuP95Ms"] = Math.Round(searchCpuP95.Hybrid, 2), ["bm25OnlyCpuP95Ms"] = Math.Round(searchCpuP95.Bm25, 2), ["vectorOnlyCpuP95Ms"] = Math.Round(searchCpuP95.Vector, 2),
                ["loadAverage"] = File.ReadAllText("/proc/loadavg").Split(' ')[0],
                ["note"] = "wall times include waiting for a core on a shared machine; CpuP95 is the searching thread's own CPU time (CLOCK_THREAD_CPUTIME_ID); bm25Only/vectorOnly: the same queries in one mode, for where the time goes" };
            Console.WriteLine($"{count} chunks: hybrid p95 {p95:F1} ms (search alone {searchP95:F1} ms, CPU {searchCpuP95.Hybrid:F1} ms; BM25 CPU {searchCpuP95.Bm25:F1} ms, vectors CPU {searchCpuP95.Vector:F1} ms)");
        }

        var options = new JsonSerializerOptions { WriteIndented = true };
        var outDir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (!string.IsNullOrEmpty(outDir))
        {
            System.IO.Directory.CreateDirectory(outDir);
        }

        try
        {
            System.IO.Directory.Delete(Path.Combine(Path.GetTempPath(), "ax-retrieval-bench"), recursive: true);
        }
        catch (IOException)
        {
            // Temp files; the OS cleans them.
        }

        await File.WriteAllTextAsync(outPath, report.ToJsonString(options));
        if (!scaleOnly)
        {
            await File.WriteAllTextAsync(Path.ChangeExtension(outPath, ".details.json"), details.ToJsonString(options));
        }

        Console.WriteLine(report.ToJsonString(options));
        return 0;
    }

    private static void WriteSets(JsonObject report, List<FusionTuning.DataSet> sets, FusionSettings fusion)
    {
        report["fusion"] = new JsonObject { ["bm25Weight"] = fusion.Bm25Weight, ["pinMargin"] = fusion.PinMargin, ["rrfKOfOldFusion"] = FusionTuning.OldRrfK };
        foreach (var set in sets)
        {
            var entry = FusionTuning.Report(set, fusion);
            entry["latency"] = set.Latency;
            report[set.Name] = entry;
            Console.WriteLine($"{set.Name}: {entry.ToJsonString()}");
        }

        report["targets"] = FusionTuning.Targets(sets, fusion);
    }

    private sealed record Question(string Text, Guid DocumentId, bool HeldAside);

    private static async Task<(FusionTuning.DataSet Set, JsonObject Detail, List<StoredChunk> Chunks)> RunDataSetAsync(
        string path, MiniLmEmbeddingGenerator embedder, int maxQuestions, FusionSettings fusion, Func<long> nextId)
    {
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(path));
        var library = Guid.NewGuid();
        var documents = new Dictionary<string, IndexedDocument>(StringComparer.Ordinal);
        var questions = new List<Question>();
        foreach (var article in json.RootElement.GetProperty("data").EnumerateArray())
        {
            var title = article.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            foreach (var paragraph in article.GetProperty("paragraphs").EnumerateArray())
            {
                var context = paragraph.GetProperty("context").GetString() ?? "";
                if (!documents.TryGetValue(context, out var document))
                {
                    document = new IndexedDocument(Guid.NewGuid(), 1, title, Marking.Unclassified, [new DocumentPage(1, context)]);
                    documents[context] = document;
                }

                foreach (var qa in paragraph.GetProperty("qas").EnumerateArray())
                {
                    questions.Add(new Question(qa.GetProperty("question").GetString() ?? "", document.DocumentId, FusionTuning.IsHeldAside(title)));
                }
            }
        }

        questions = [.. questions.Take(maxQuestions)];
        var chunker = new TextChunker(200, 40);
        using var analyzer = new MixedTextAnalyzer();
        var sw = Stopwatch.StartNew();
        var chunks = documents.Values.SelectMany(d => chunker.Chunk(d).Select(c =>
            new IndexedChunk(nextId(), d.DocumentId, d.Version, d.Title, c.Page, c.Start, c.Length, c.Text, c.Marking, c.Language))).ToList();
        var chunkSeconds = sw.Elapsed.TotalSeconds;

        // BM25 indexing (chunking + analysis + Lucene).
        sw.Restart();
        var bm25Folder = Path.Combine(Path.GetTempPath(), "ax-retrieval-bench", Guid.NewGuid().ToString("N"));
        using (var bm25Directory = FSDirectory.Open(bm25Folder))
        using (var bm25Only = RetrievalIndex.Open(bm25Directory, null, chunks.Select(c => new StoredChunk(c, null, [library]))))
        {
        }

        var bm25Seconds = chunkSeconds + sw.Elapsed.TotalSeconds;

        // Embedding (MiniLM reads English only; Korean chunks get no vector).
        sw.Restart();
        var readable = chunks.Where(c => embedder.Profile.Reads(c.Language)).ToList();
        var vectors = readable.Count == 0 ? [] : (await embedder.GenerateAsync(readable.Select(c => c.Text))).Select(e => e.Vector.ToArray()).ToList();
        var embedSeconds = chunkSeconds + sw.Elapsed.TotalSeconds;
        var byId = readable.Select((c, i) => (c.ChunkId, Vector: vectors[i])).ToDictionary(x => x.ChunkId, x => x.Vector);
        var stored = chunks.Select(c => new StoredChunk(c, byId.GetValueOrDefault(c.ChunkId), [library])).ToList();

        var folder = Path.Combine(Path.GetTempPath(), "ax-retrieval-bench", Guid.NewGuid().ToString("N"));
        using var directory = FSDirectory.Open(folder);
        using var index = RetrievalIndex.Open(directory, embedder.Profile, stored, fusion);
        var scope = new AccessScope(new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>()), new HashSet<Guid> { library });
        var detail = new JsonObject
        {
            ["documents"] = documents.Count, ["chunks"] = chunks.Count, ["questions"] = questions.Count, ["embeddedChunks"] = readable.Count,
            ["heldAsideQuestions"] = questions.Count(q => q.HeldAside), ["bm25ChunksPerSecond"] = Math.Round(chunks.Count / bm25Seconds, 1),
            ["embeddedChunksPerSecond"] = Math.Round(readable.Count / Math.Max(1e-9, embedSeconds - chunkSeconds), 1),
        };
        var documentOf = chunks.ToDictionary(c => c.ChunkId, c => c.DocumentId);
        var depth = 100; // the index's fusion depth: the candidates each side hands to fusion
        var evaluated = new List<FusionTuning.Query>();
        var latencies = new Dictionary<string, List<double>> { ["bm25"] = [], ["vector"] = [], ["hybrid"] = [] };
        var mismatches = 0;
        foreach (var question in questions)
        {
            var start = Stopwatch.GetTimestamp();
            var bm25 = index.Search(scope, question.Text, null, depth, RetrievalMode.Bm25);
            latencies["bm25"].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            start = Stopwatch.GetTimestamp();
            ReadOnlyMemory<float>? vector = null;
            if (embedder.Profile.Reads(TextLanguage.Detect(question.Text)))
            {
                vector = (await embedder.GenerateAsync([question.Text]))[0].Vector;
            }

            var embedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var vectorHits = vector is null ? SearchResults.Empty(TextLanguage.Korean) : index.Search(scope, question.Text, vector, depth, RetrievalMode.Vector);
            latencies["vector"].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            start = Stopwatch.GetTimestamp();
            var hybrid = index.Search(scope, question.Text, vector, 10, RetrievalMode.Hybrid);
            latencies["hybrid"].Add(embedMs + Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            var query = new FusionTuning.Query(
                [.. bm25.Hits.Select(h => ((int)h.ChunkId, (float)h.Score))], [.. vectorHits.Hits.Select(h => ((int)h.ChunkId, (float)h.Score))],
                id => documentOf[id], question.DocumentId, question.HeldAside);
            evaluated.Add(query);
            // The index's own hybrid search must rank as the fusion computed here from the same two lists.
            var offline = ScoreFusion.Fuse(query.Bm25, query.Vectors, fusion, id => id).Take(10).Select(h => (long)h.Id);
            if (!offline.SequenceEqual(hybrid.Hits.Select(h => h.ChunkId)))
            {
                mismatches++;
            }
        }

        detail["indexHybridDisagreesWithOfflineFusion"] = mismatches;
        var latency = new JsonObject();
        foreach (var (method, list) in latencies)
        {
            list.Sort();
            latency[method] = new JsonObject { ["queryP50Ms"] = Math.Round(Stats.Percentile(list, 0.50), 2), ["queryP95Ms"] = Math.Round(Stats.Percentile(list, 0.95), 2) };
        }

        var set = new FusionTuning.DataSet(Path.GetFileName(path), evaluated, latency);
        return (set, detail, stored);
    }

    /// <summary>Hybrid latency over <paramref name="total"/> chunks: the real ones plus synthesized ones (word salad from the real vocabulary, random unit vectors), half of them in a library outside the scope.</summary>
    private static async Task<(double P95, double SearchP95, (double Hybrid, double Bm25, double Vector) SearchCpuP95, int Count)> LatencyAtScaleAsync(
        List<StoredChunk> real, List<string> squads, MiniLmEmbeddingGenerator embedder, int total, FusionSettings fusion, Func<long> nextId)
    {
        var random = new Random(7);
        var words = real.SelectMany(c => c.Chunk.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var visible = real.SelectMany(c => c.Libraries).Distinct().ToList();
        if (visible.Count == 0)
        {
            // --scale-only: no real chunks, so the searchable half is one library of synthesized ones.
            visible.Add(Guid.NewGuid());
            words = [.. ParagraphWords(squads)];
        }

        var hidden = Guid.NewGuid();
        var chunks = new List<StoredChunk>(real);
        var dimensions = embedder.Profile.Dimensions;
        while (chunks.Count < total)
        {
            var text = string.Join(' ', Enumerable.Range(0, random.Next(60, 180)).Select(_ => words[random.Next(words.Length)]));
            var language = TextLanguage.Detect(text);
            float[]? vector = null;
            if (language == TextLanguage.English)
            {
                vector = Enumerable.Range(0, dimensions).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
                var norm = MathF.Sqrt(vector.Sum(v => v * v));
                vector = [.. vector.Select(v => v / norm)];
            }

            var marking = new Marking((ClassificationLevel)random.Next(5));
            Guid[] libraries = random.Next(2) == 0 ? [hidden] : [visible[random.Next(visible.Count)]];
            chunks.Add(new StoredChunk(new IndexedChunk(nextId(), Guid.NewGuid(), 1, "synthetic", 1, 0, text.Length, text, marking, language), vector, libraries));
        }

        var sw = Stopwatch.StartNew();
        var folder = Path.Combine(Path.GetTempPath(), "ax-retrieval-bench", Guid.NewGuid().ToString("N"));
        using var directory = FSDirectory.Open(folder);
        using var index = RetrievalIndex.Open(directory, embedder.Profile, chunks, fusion);
        Console.WriteLine($"indexed {chunks.Count} chunks in {sw.Elapsed.TotalSeconds:F1} s");
        var scope = new AccessScope(new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>()), visible.ToHashSet());
        var queries = new List<string>();
        foreach (var path in squads)
        {
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(path));
            queries.AddRange(json.RootElement.GetProperty("data").EnumerateArray()
                .SelectMany(a => a.GetProperty("paragraphs").EnumerateArray())
                .SelectMany(p => p.GetProperty("qas").EnumerateArray())
                .Select(q => q.GetProperty("question").GetString() ?? "").Take(100));
        }

        var totals = new List<double>();
        var searches = new List<double>();
        var cpu = new List<double>();
        foreach (var query in queries.Take(20))
        {
            index.Search(scope, query, null, 10, RetrievalMode.Bm25);
        }

        foreach (var query in queries)
        {
            var start = Stopwatch.GetTimestamp();
            ReadOnlyMemory<float>? vector = null;
            if (embedder.Profile.Reads(TextLanguage.Detect(query)))
            {
                vector = (await embedder.GenerateAsync([query]))[0].Vector;
            }

            var searchStart = Stopwatch.GetTimestamp();
            var cpuStart = ThreadCpuMilliseconds();
            index.Search(scope, query, vector, 10, RetrievalMode.Hybrid);
            cpu.Add(ThreadCpuMilliseconds() - cpuStart);
            searches.Add(Stopwatch.GetElapsedTime(searchStart).TotalMilliseconds);
            totals.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var bm25Cpu = new List<double>();
        var vectorCpu = new List<double>();
        foreach (var query in queries)
        {
            var vector = embedder.Profile.Reads(TextLanguage.Detect(query)) ? (await embedder.GenerateAsync([query]))[0].Vector : (ReadOnlyMemory<float>?)null;
            var cpuStart = ThreadCpuMilliseconds();
            index.Search(scope, query, null, 10, RetrievalMode.Bm25);
            bm25Cpu.Add(ThreadCpuMilliseconds() - cpuStart);
            if (vector is not null)
            {
                cpuStart = ThreadCpuMilliseconds();
                index.Search(scope, query, vector, 10, RetrievalMode.Vector);
                vectorCpu.Add(ThreadCpuMilliseconds() - cpuStart);
            }
        }

        totals.Sort();
        searches.Sort();
        cpu.Sort();
        bm25Cpu.Sort();
        vectorCpu.Sort();
        return (Stats.Percentile(totals, 0.95), Stats.Percentile(searches, 0.95),
            (Stats.Percentile(cpu, 0.95), Stats.Percentile(bm25Cpu, 0.95), Stats.Percentile(vectorCpu, 0.95)), chunks.Count);
    }

    /// <summary>The words of the sets' paragraphs, for synthesized chunks when no real ones were indexed.</summary>
    private static IEnumerable<string> ParagraphWords(List<string> squads) =>
        squads.SelectMany(path =>
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            return json.RootElement.GetProperty("data").EnumerateArray().SelectMany(a => a.GetProperty("paragraphs").EnumerateArray())
                .SelectMany(p => (p.GetProperty("context").GetString() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        });

    /// <summary>The calling thread's CPU time (Linux), unaffected by time spent waiting for a core.</summary>
    private static double ThreadCpuMilliseconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(3, out var ts) != 0)
        {
            return 0;
        }

        return (ts.Seconds * 1000.0) + (ts.Nanoseconds / 1e6);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static double Recall(List<int> ranks, int k) => Math.Round(ranks.Count(r => r <= k) / (double)Math.Max(1, ranks.Count), 4);
}
