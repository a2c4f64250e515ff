using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Text;

namespace AxWorkbench.Benchmarks.KeySentences;

/// <summary>
/// Key sentences against human reference summaries: QMSum committee meetings (one JSON per meeting, with a
/// "general_query_list" whose answer summarizes the whole meeting). Each transcript becomes pages of speaker turns
/// (one paragraph per turn), the workbench picks k key sentences, and ROUGE-1 and ROUGE-L F1 (lower-cased word
/// tokens, no stemming; ROUGE-L on the whole token sequences) are averaged over meetings, beside a lead-k baseline
/// (the first k sentences of the transcript by the same segmenter).
/// Usage: keysentences --qmsum FOLDER [--out report.json] [--k 3,5] [--turns-per-page 20]
/// </summary>
public static partial class KeySentencesBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? folder = null;
        var outPath = "keysentences.json";
        int[] ks = [3, 5];
        var turnsPerPage = 20;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--qmsum" when i + 1 < args.Length: folder = args[++i]; break;
                case "--out" when i + 1 < args.Length: outPath = args[++i]; break;
                case "--k" when i + 1 < args.Length: ks = args[++i].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--turns-per-page" when i + 1 < args.Length: turnsPerPage = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'. Usage: keysentences --qmsum FOLDER [--out report.json] [--k 3,5] [--turns-per-page 20]");
                    return 2;
            }
        }
        if (folder is null || !Directory.Exists(folder))
        {
            await Console.Error.WriteLineAsync("give --qmsum FOLDER (QMSum meeting JSON files), e.g. --qmsum ../shared/corpora/qmsum-committee");
            return 2;
        }

        var meetings = Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        var sums = ks.ToDictionary(k => k, _ => new double[4]); // key R1, key RL, lead R1, lead RL
        var perMeeting = new JsonArray();
        var extractMs = new List<double>();
        var used = 0;
        foreach (var file in meetings)
        {
            var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
            var reference = json["general_query_list"]?.AsArray().Select(q => q?["answer"]?.GetValue<string>()).FirstOrDefault(a => !string.IsNullOrWhiteSpace(a));
            var turns = json["meeting_transcripts"]?.AsArray().Select(t => t?["content"]?.GetValue<string>() ?? "").Where(t => t.Length > 0).ToList();
            if (reference is null || turns is null || turns.Count == 0)
            {
                continue;
            }
            used++;
            var pages = turns.Chunk(turnsPerPage).Select((chunk, index) => new ParsedPage(index + 1, string.Join('\n', chunk))).ToList();
            var referenceTokens = Tokens(reference);
            var lead = pages.SelectMany(p => SentenceSegmenter.Segment(p.Text)).Where(s => s.Kind != SegmentKind.Heading).Select(s => s.Text);
            var entry = new JsonObject { ["meeting"] = Path.GetFileNameWithoutExtension(file), ["turns"] = turns.Count, ["referenceWords"] = referenceTokens.Length };
            foreach (var k in ks)
            {
                var clock = Stopwatch.StartNew();
                var key = AxWorkbench.Core.Documents.KeySentences.Extract(pages, k);
                clock.Stop();
                extractMs.Add(clock.Elapsed.TotalMilliseconds);
                var keyTokens = Tokens(string.Join(' ', key.Select(s => s.Text)));
                var leadTokens = Tokens(string.Join(' ', lead.Take(k)));
                double[] scores = [Rouge1(keyTokens, referenceTokens), RougeL(keyTokens, referenceTokens), Rouge1(leadTokens, referenceTokens), RougeL(leadTokens, referenceTokens)];
                for (var m = 0; m < 4; m++)
                {
                    sums[k][m] += scores[m];
                }
                entry[$"k{k}"] = new JsonObject
                {
                    ["keyRouge1"] = Round(scores[0]), ["keyRougeL"] = Round(scores[1]), ["leadRouge1"] = Round(scores[2]), ["leadRougeL"] = Round(scores[3]),
                };
            }
            perMeeting.Add(entry);
        }
        if (used == 0)
        {
            await Console.Error.WriteLineAsync($"no QMSum meetings with a general summary in {folder}");
            return 2;
        }

        var results = new JsonObject();
        foreach (var k in ks)
        {
            var mean = sums[k].Select(v => Round(v / used)).ToArray();
            results[$"k{k}"] = new JsonObject
            {
                ["keySentences"] = new JsonObject { ["rouge1F1"] = mean[0], ["rougeLF1"] = mean[1] },
                [$"lead{k}"] = new JsonObject { ["rouge1F1"] = mean[2], ["rougeLF1"] = mean[3] },
            };
            Console.WriteLine($"k={k}: key sentences ROUGE-1 {mean[0]:F4} ROUGE-L {mean[1]:F4} | lead-{k} ROUGE-1 {mean[2]:F4} ROUGE-L {mean[3]:F4}");
        }
        extractMs.Sort();
        var report = new JsonObject
        {
            ["benchmark"] = "keysentences",
            ["dataSet"] = "QMSum committee meetings (general query: \"Summarize the whole meeting.\")",
            ["meetings"] = used,
            ["turnsPerPage"] = turnsPerPage,
            ["metric"] = "ROUGE-1 and ROUGE-L F1, mean over meetings; lower-cased [letters/digits] word tokens, no stemming, no stop-word removal; ROUGE-L = LCS of the whole token sequences",
            ["baseline"] = "lead-k: the first k sentences of the transcript (same segmenter)",
            ["results"] = results,
            ["extractMilliseconds"] = new JsonObject { ["p50"] = Round(extractMs[extractMs.Count / 2]), ["max"] = Round(extractMs[^1]) },
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
            ["perMeeting"] = perMeeting,
        };
        await File.WriteAllTextAsync(outPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"report written to {outPath}");
        return 0;
    }

    private static double Round(double value) => Math.Round(value, 4);

    internal static string[] Tokens(string text) => Token().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();

    internal static double Rouge1(string[] candidate, string[] reference)
    {
        var counts = reference.GroupBy(t => t, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var overlap = 0;
        foreach (var token in candidate)
        {
            if (counts.TryGetValue(token, out var left) && left > 0)
            {
                counts[token] = left - 1;
                overlap++;
            }
        }
        return F1(overlap, candidate.Length, reference.Length);
    }

    internal static double RougeL(string[] candidate, string[] reference)
    {
        var previous = new int[reference.Length + 1];
        var current = new int[reference.Length + 1];
        foreach (var token in candidate)
        {
            for (var j = 1; j <= reference.Length; j++)
            {
                current[j] = string.Equals(token, reference[j - 1], StringComparison.Ordinal) ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        return F1(previous[reference.Length], candidate.Length, reference.Length);
    }

    private static double F1(int overlap, int candidateLength, int referenceLength)
    {
        if (overlap == 0 || candidateLength == 0 || referenceLength == 0)
        {
            return 0;
        }
        var precision = (double)overlap / candidateLength;
        var recall = (double)overlap / referenceLength;
        return 2 * precision * recall / (precision + recall);
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
