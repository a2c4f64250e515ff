using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AxWorkbench.Benchmarks.Cluster;

/// <summary>
/// `propagation [--postgres CONNECTION] [--changes N] [--poll MS] [--out FILE]`: how long a retrieval change made on
/// node A takes to be in node B's index, on PostgreSQL (the server in --postgres or AXWB_TEST_POSTGRES, e.g. from
/// `eval "$(tests/services.sh up postgres)"`; a throw-away database is made on it and dropped). Two nodes are two hosts
/// in this one process (each its own index folder, node id, LISTEN connection and follower) — the same code paths as
/// two processes, without a second runtime on a 2-core machine. Each change is a document added to a library
/// (then, every other change, removed: the ACL case), one at a time; the delay runs from A's call returning (committed,
/// announced) to B's follower having applied it. Reports p50/p95/max and whether p95 is within the stated bound.
/// </summary>
public static class PropagationBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var server = Arg(args, "--postgres") ?? Environment.GetEnvironmentVariable("AXWB_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            Console.Error.WriteLine("propagation: needs a PostgreSQL server: --postgres 'Host=...' or AXWB_TEST_POSTGRES (eval \"$(tests/services.sh up postgres)\").");
            return 2;
        }

        var changes = int.Parse(Arg(args, "--changes") ?? "200", CultureInfo.InvariantCulture);
        var poll = int.Parse(Arg(args, "--poll") ?? "1000", CultureInfo.InvariantCulture);
        var outFile = Arg(args, "--out") ?? "propagation-benchmark.json";
        var database = "axwb_bench_" + Guid.NewGuid().ToString("N")[..12];
        var directory = Path.Combine(Path.GetTempPath(), database);
        await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
            using var a = await StartNodeAsync(directory, connection, "node-a", poll);
            using var b = await StartNodeAsync(directory, connection, "node-b", poll);
            var retrievalA = a.Services.GetRequiredService<RetrievalService>();
            var followerB = b.Services.GetRequiredService<RetrievalChangeFollower>();
            var owner = new WorkbenchActor("owner", "owner", [Roles.Admin], new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>()));
            var library = await retrievalA.CreateLibraryAsync("owner", "Bench", new Marking(ClassificationLevel.TopSecret), ["U"], default);
            var adds = new List<double>();
            var removes = new List<double>();
            var lastAdded = Guid.Empty;
            for (var i = 0; i < changes; i++)
            {
                var remove = i % 2 == 1;
                var id = remove ? Guid.Empty : Guid.NewGuid();
                Stopwatch clock;
                if (remove)
                {
                    await retrievalA.RemoveDocumentAsync(library.Id, lastAdded, owner, default);
                    clock = Stopwatch.StartNew();
                }
                else
                {
                    var document = new IndexedDocument(id, 1, $"Brief {i}", new Marking(ClassificationLevel.Confidential),
                        [new DocumentPage(1, $"Report {i}: the convoy crossed the river bridge at dawn near checkpoint {i}.")]);
                    await retrievalA.AddDocumentAsync(library.Id, document, owner, default);
                    clock = Stopwatch.StartNew();
                    lastAdded = id;
                }

                var target = await retrievalA.LastChangeIdAsync(default);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await followerB.WhenAppliedAsync(target, timeout.Token);
                (remove ? removes : adds).Add(clock.Elapsed.TotalMilliseconds);
            }

            var all = adds.Concat(removes).ToList();
            var bound = 2.0 * poll;
            var report = new
            {
                benchmark = "retrieval change propagation, two nodes on PostgreSQL (two hosts in one process)",
                changes,
                pollMilliseconds = poll,
                boundMilliseconds = bound,
                all = Summary(all),
                added = Summary(adds),
                removed = Summary(removes),
                p95WithinBound = Percentile(all, 0.95) <= bound,
                machine = new { Environment.ProcessorCount, loadAverage = LoadAverage() },
                utc = DateTime.UtcNow,
            };
            var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
            await File.WriteAllTextAsync(outFile, json);
            Console.WriteLine(json);
            await a.StopAsync();
            await b.StopAsync();
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<IHost> StartNodeAsync(string directory, string connection, string node, int poll)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:Provider"] = DataOptions.Postgres,
            [DataOptions.ConnectionStringSetting] = connection,
            ["Data:DataDirectory"] = directory,
            ["Data:NodeId"] = node,
            ["Retrieval:IndexDirectory"] = "index-" + node,
            ["Retrieval:Embedder"] = "None",
            ["Cluster:RetrievalPollMilliseconds"] = poll.ToString(CultureInfo.InvariantCulture),
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddRetrieval();
        builder.AddCluster();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await host.StartAsync();
        if (host.Services.GetRequiredService<IClusterEvents>() is PostgresClusterEvents listener)
        {
            await listener.Listening.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await host.Services.GetRequiredService<RetrievalIndexHost>().GetAsync(default);
        return host;
    }

    private static object Summary(List<double> ms) => new
    {
        count = ms.Count,
        p50Milliseconds = Math.Round(Percentile(ms, 0.50), 1),
        p95Milliseconds = Math.Round(Percentile(ms, 0.95), 1),
        maxMilliseconds = Math.Round(ms.Count == 0 ? 0 : ms.Max(), 1),
    };

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string? LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null;

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
