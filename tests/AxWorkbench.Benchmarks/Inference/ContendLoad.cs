using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Core.Documents.Worker;
using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Benchmarks.Inference;

/// <summary>
/// <c>--contend</c>: document ingestion running beside the engine — the parser worker over the PDFs under
/// <c>--corpora</c> (default ../shared/corpora) and the MiniLM embedder over the parsed pages — in a child process
/// (<c>ingest</c>) at the background priority the CPU-site template recommends (<c>--background-nice</c>, default 10 = BelowNormal, as Documents:Worker:Priority;
/// the parser worker it starts inherits it). It runs pass after pass over the files until the benchmark's rounds end,
/// then finishes the pass in progress; the report says how far it got and whether that pass finished.
/// </summary>
internal sealed class ContendLoad : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly int _nice;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ContendLoad(Process process, int nice)
    {
        _process = process;
        _nice = nice;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static async Task<ContendLoad> StartAsync(Dictionary<string, string> map, string model)
    {
        _ = model;
        var nice = int.Parse(map.GetValueOrDefault("background-nice", "10"), CultureInfo.InvariantCulture);
        var corpora = Path.GetFullPath(map.GetValueOrDefault("corpora", Path.Combine("..", "shared", "corpora")));
        if (!Directory.Exists(corpora))
        {
            throw new DirectoryNotFoundException($"--contend needs the corpora: '{corpora}' does not exist (pass --corpora DIR).");
        }

        var psi = new ProcessStartInfo(SelfCommand.FileName, [.. SelfCommand.Prefix, "ingest", "--corpora", corpora, "--nice", nice.ToString(CultureInfo.InvariantCulture), "--max-pdfs", map.GetValueOrDefault("contend-pdfs", "30")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var load = new ContendLoad(Process.Start(psi)!, nice);
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the worker and the embedder start before the first measurement
        Console.WriteLine($"contention: ingestion child {load._process.Id} at nice {nice} over {corpora}");
        return load;
    }

    /// <summary>Tells the child to stop after the pass in progress and waits (up to 10 minutes) for its report.</summary>
    public async Task<JsonObject> FinishAsync()
    {
        var measuredSeconds = _clock.Elapsed.TotalSeconds;
        await _process.StandardInput.WriteLineAsync("stop");
        await _process.StandardInput.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var finished = true;
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            finished = false;
            _process.Kill(entireProcessTree: true);
        }

        var last = (await _stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        var result = last is null ? new JsonObject { ["error"] = (await _stderr)[^Math.Min(600, (await _stderr).Length)..] } : JsonNode.Parse(last)!.AsObject();
        result["backgroundNice"] = _nice;
        result["secondsBesideTheBenchmark"] = Math.Round(measuredSeconds, 1);
        result["exitedInTime"] = finished;
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The child: <c>ingest --corpora DIR --nice N --max-pdfs M</c>. Parses and embeds pass after pass until stdin says stop.</summary>
    public static async Task<int> IngestAsync(string[] args)
    {
        var map = EngineBenchmark.ParseArgs(args);
        var nice = int.Parse(map.GetValueOrDefault("nice", "10"), CultureInfo.InvariantCulture);
        using (var self = Process.GetCurrentProcess())
        {
            self.PriorityClass = nice >= 19 ? ProcessPriorityClass.Idle : nice >= 10 ? ProcessPriorityClass.BelowNormal : ProcessPriorityClass.Normal;
        }

        var pdfs = Directory.EnumerateFiles(map["corpora"], "*.pdf", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Take(int.Parse(map.GetValueOrDefault("max-pdfs", "30"), CultureInfo.InvariantCulture)).ToList();
        var stop = new TaskCompletionSource();
        _ = Task.Run(async () =>
        {
            await Console.In.ReadLineAsync();
            stop.TrySetResult();
        });

        await using var parser = new ParserWorkerClient(Options.Create(new ParserWorkerOptions { Ocr = false, TimeoutSeconds = 60 }), NullLogger<ParserWorkerClient>.Instance);
        using var embedder = new MiniLmEmbeddingGenerator { Threads = 1 };
        int passes = 0, files = 0, failed = 0, chunks = 0;
        var passSeconds = new List<double>();
        var sw = Stopwatch.StartNew();
        var lastPassFinished = false;
        while (!stop.Task.IsCompleted)
        {
            var pass = Stopwatch.StartNew();
            lastPassFinished = false;
            foreach (var pdf in pdfs)
            {
                try
                {
                    var doc = await parser.ParseAsync(pdf);
                    var texts = doc.Pages.Select(p => p.Text).Where(t => t.Length > 0).Select(t => t.Length > 1500 ? t[..1500] : t).ToList();
                    if (texts.Count > 0)
                    {
                        _ = await embedder.GenerateAsync(texts);
                        chunks += texts.Count;
                    }

                    files++;
                }
#pragma warning disable CA1031 // a file the parser refuses is counted, not fatal
                catch (Exception)
#pragma warning restore CA1031
                {
                    failed++;
                }
            }

            passes++;
            lastPassFinished = true;
            passSeconds.Add(Math.Round(pass.Elapsed.TotalSeconds, 1));
        }

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            pdfsPerPass = pdfs.Count,
            passesCompleted = passes,
            lastPassFinished,
            filesParsed = files,
            filesFailed = failed,
            pagesEmbedded = chunks,
            passSeconds,
            totalSeconds = Math.Round(sw.Elapsed.TotalSeconds, 1),
        }));
        return 0;
    }
}
