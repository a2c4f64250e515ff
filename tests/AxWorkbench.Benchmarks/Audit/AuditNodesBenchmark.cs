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
using Npgsql;

namespace AxWorkbench.Benchmarks.Audit;

/// <summary>
/// `audit-nodes [--server CONN] [--events N] [--producers P] [--out FILE]`: audit writer events/s on PostgreSQL with one
/// writer, then with two writers on one database (two "nodes" in this process: each its own AuditLog and its own
/// connection pool, taking the chain's advisory lock in turn), P concurrent callers split between them, each awaiting
/// durability. A fresh database per run on the server (default AXWB_TEST_POSTGRES, e.g. from tests/services.sh), dropped
/// afterwards; the chain is verified after each run. Writes both rates and their ratio as JSON.
/// </summary>
public static class AuditNodesBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var server = StringArg(args, "--server", Environment.GetEnvironmentVariable("AXWB_TEST_POSTGRES") ?? "");
        if (server.Length == 0)
        {
            Console.Error.WriteLine("audit-nodes needs a PostgreSQL server: --server CONN or AXWB_TEST_POSTGRES (eval \"$(tests/services.sh up postgres)\").");
            return 2;
        }
        var events = IntArg(args, "--events", 20_000);
        var producers = IntArg(args, "--producers", 32);
        var outFile = StringArg(args, "--out", "audit-nodes-benchmark.json");
        var runs = new List<object>();
        var rates = new Dictionary<int, double>();
        var intact = true;
        foreach (var writers in new[] { 1, 2 })
        {
            var (rate, records, valid, message) = await RunOnceAsync(server, writers, events, producers);
            rates[writers] = rate;
            intact &= valid;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"audit writer on PostgreSQL, {writers} writer(s): {rate:F0} events/s ({producers} callers, {records} records, {message})"));
            runs.Add(new { writers, eventsPerSecond = Math.Round(rate), records, chainIntact = valid });
        }
        var ratio = rates[2] / rates[1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"two writers / one writer: {ratio:F2}"));
        await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new
        {
            benchmark = "audit-nodes",
            provider = "Postgres",
            producers,
            eventsPerRun = events,
            twoWritersAre = "two AuditLog instances with separate connection pools in one process (two nodes' writers), on one database",
            runs,
            twoWritersOverOne = Math.Round(ratio, 2),
        }, new JsonSerializerOptions { WriteIndented = true }));
        return intact ? 0 : 1;
    }

    private static async Task<(double Rate, long Records, bool Valid, string Message)> RunOnceAsync(string server, int writers, int events, int producers)
    {
        var name = "axwb_bench_" + Guid.NewGuid().ToString("N")[..16];
        var directory = Path.Combine(Path.GetTempPath(), name);
        Directory.CreateDirectory(directory);
        await ExecuteAsync(server, $"CREATE DATABASE \"{name}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        try
        {
            var data = new DataOptions { DataDirectory = directory, Provider = DataOptions.Postgres, ConnectionString = connectionString };
            var audit = new AuditOptions { CheckpointEvery = 1000 };
            var factories = Enumerable.Range(0, writers).Select(_ =>
            {
                var options = new DbContextOptionsBuilder<WorkbenchDbContext>();
                DataServiceExtensions.Configure(options, data, directory, WorkbenchDbContext.HistoryTable);
                return new PooledDbContextFactory<WorkbenchDbContext>(options.Options);
            }).ToList();
            await using (var db = await factories[0].CreateDbContextAsync())
            {
                await db.Database.MigrateAsync();
            }
            var logs = factories.Select(f => new AuditLog(f, MarkingSchemes.Us, Options.Create(audit), Options.Create(data),
                new BenchmarkEnvironment(directory), NullLogger<AuditLog>.Instance)).ToList();
            double rate;
            try
            {
                foreach (var log in logs)
                {
                    await log.WriteAsync(Event(0, "warmup"));
                }
                var perProducer = Math.Max(1, events / producers);
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
                {
                    var log = logs[p % logs.Count];
                    for (var i = 0; i < perProducer; i++)
                    {
                        await log.WriteAsync(Event(i, $"user-{p}"));
                    }
                })));
                rate = perProducer * producers / watch.Elapsed.TotalSeconds;
            }
            finally
            {
                foreach (var log in logs)
                {
                    await log.DisposeAsync();
                }
            }
            var verdict = await AuditVerifier.VerifyAsync(DataOptions.Postgres, connectionString, audit.ResolveCheckpointPath(data, directory));
            return (rate, verdict.RecordsChecked, verdict.IsValid, verdict.Message);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
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
