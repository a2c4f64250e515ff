using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Benchmarks.Audit;

/// <summary>
/// `audit [--events N] [--producers P] [--out FILE]`: events per second the single audit writer sustains
/// (P concurrent callers, each awaiting durability) and the verifier's time per 100k events, on a real
/// SQLite file in a temporary folder. Prints the figures and writes them as JSON (default audit-benchmark.json).
/// </summary>
public static class AuditBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var events = IntArg(args, "--events", 100_000);
        var producers = IntArg(args, "--producers", 32);
        var outFile = StringArg(args, "--out", "audit-benchmark.json");
        var directory = Path.Combine(Path.GetTempPath(), "axwb-audit-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            // No generic host (the benchmark project references Core only): the writer is built by hand
            // on the same options, pragmas and migrations the app uses.
            var data = new DataOptions { DataDirectory = directory };
            var audit = new AuditOptions { CheckpointEvery = 1000 };
            Directory.CreateDirectory(directory);
            var options = new DbContextOptionsBuilder<WorkbenchDbContext>();
            DataServiceExtensions.Configure(options, data, directory, WorkbenchDbContext.HistoryTable);
            var factory = new PooledDbContextFactory<WorkbenchDbContext>(options.Options);
            await using (var db = await factory.CreateDbContextAsync())
            {
                await db.Database.MigrateAsync();
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            }
            double writerRate;
            await using (var log = new AuditLog(factory, MarkingSchemes.Us, Options.Create(audit), Options.Create(data),
                new BenchmarkEnvironment(directory), NullLogger<AuditLog>.Instance))
            {
                await log.WriteAsync(Event(0, "warmup"));
                var perProducer = Math.Max(1, events / producers);
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
                {
                    for (var i = 0; i < perProducer; i++)
                    {
                        await log.WriteAsync(Event(i, $"user-{p}"));
                    }
                })));
                writerRate = perProducer * producers / watch.Elapsed.TotalSeconds;
            }
            var verdict = await AuditVerifier.VerifyAsync(data.ResolveConnectionString(directory), audit.ResolveCheckpointPath(data, directory));
            var verifierMsPer100k = verdict.Elapsed.TotalMilliseconds * 100_000 / Math.Max(1, verdict.RecordsChecked);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"audit writer: {writerRate:F0} events/s sustained ({producers} concurrent callers, {verdict.RecordsChecked} records)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"audit verifier: {verdict.Elapsed.TotalMilliseconds:F0} ms for {verdict.RecordsChecked} records = {verifierMsPer100k:F0} ms per 100k events ({(verdict.IsValid ? "intact" : verdict.Message)})"));
            await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new
            {
                benchmark = "audit",
                producers,
                records = verdict.RecordsChecked,
                writerEventsPerSecond = Math.Round(writerRate),
                verifierMilliseconds = Math.Round(verdict.Elapsed.TotalMilliseconds),
                verifierMillisecondsPer100k = Math.Round(verifierMsPer100k),
                chainIntact = verdict.IsValid,
            }, new JsonSerializerOptions { WriteIndented = true }));
            return verdict.IsValid ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static AuditEvent Event(int i, string actor) => new()
    {
        Action = AuditActions.Prompt,
        Actor = actor,
        Target = $"session-{i % 97}",
        ClientAddress = "10.0.0." + (i % 250),
        Marking = Marking.Unclassified,
        Details = $$"""{"n":{{i}}}""",
    };

    private sealed class BenchmarkEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Benchmark";
        public string ApplicationName { get; set; } = "AxWorkbench.Benchmarks";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static string StringArg(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
