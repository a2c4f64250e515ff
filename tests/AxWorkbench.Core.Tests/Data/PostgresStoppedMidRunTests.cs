using System.Diagnostics;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Tests.Conversations;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// PostgreSQL stopped while a chat answer streams, on a PRIVATE server (tests/services.sh with its own state folder;
/// the shared one other tests use is never touched): requests fail while it is away, nothing is half-written (the turn
/// that was streaming ends whole once the server returns; a turn sent while it was away is absent), and the workbench
/// recovers by itself: the next turn works without a restart.
/// </summary>
public sealed partial class PostgresStoppedMidRunTests
{
    [Fact]
    public async Task PostgresStoppedMidAnswer_RequestsFail_NothingHalfWritten_AndTheAppRecoversWhenItReturns()
    {
        await using var server = await PrivatePostgres.StartAsync();
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, new Dictionary<string, string?>
        {
            ["Data:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = server.ConnectionString + ";Timeout=3;Command Timeout=5",
            ["Conversations:FlushIntervalMs"] = "100",
        });
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "first question", null, null, default);
        var pieces = await model.NextCallAsync();
        await pieces.WriteAsync("streamed before ");
        await WaitUntilAsync(async () => (await host.MessageAsync(turn.AnswerId)).Content.Length > 0);

        await server.StopAsync();
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => host.Turns.SendAsync(actor, session.Id, "sent while the database is away", null, null, default));
        Assert.True(refused is System.Data.Common.DbException || refused.InnerException is System.Data.Common.DbException, $"a database error, got {refused}");
        await pieces.WriteAsync("and after the stop");
        pieces.Complete(); // the final write fails now and is retried until the server returns

        await server.RestartAsync();
        var answer = await host.FinishedAsync(turn.AnswerId, TimeSpan.FromSeconds(60));
        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.Equal("streamed before and after the stop", answer.Content);
        Assert.Equal(0, await host.DbAsync(db => db.Messages.CountAsync(m => m.Content == "sent while the database is away")));

        var next = await host.Turns.SendAsync(actor, session.Id, "after the return", null, null, default);
        var nextPieces = await model.NextCallAsync();
        await nextPieces.WriteAsync("fine");
        nextPieces.Complete();
        Assert.Equal(MessageStatus.Complete, (await host.FinishedAsync(next.AnswerId)).Status);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>A throw-away PostgreSQL of this test's own (tests/services.sh with a private AXWB_SERVICES_STATE), stoppable and restartable.</summary>
    private sealed partial class PrivatePostgres : IAsyncDisposable
    {
        private readonly string _repo;
        private readonly string _state;

        private PrivatePostgres(string repo, string state, string connectionString)
        {
            _repo = repo;
            _state = state;
            ConnectionString = connectionString;
            Port = int.Parse(PortPattern().Match(connectionString).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        public string ConnectionString { get; }

        public int Port { get; }

        public static async Task<PrivatePostgres> StartAsync()
        {
            var repo = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(repo, "tests", "services.sh")))
            {
                repo = Path.GetDirectoryName(repo) ?? throw new InvalidOperationException("tests/services.sh not found above the test binaries.");
            }
            var state = Path.Combine(Path.GetTempPath(), "axwb-private-pg-" + Guid.NewGuid().ToString("N")[..12]);
            var output = await RunAsync(repo, state, "tests/services.sh up postgres");
            var connection = ExportPattern().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"tests/services.sh printed no connection string: {output}");
            return new PrivatePostgres(repo, state, connection);
        }

        private static string Control(string action) =>
            $$"""
            bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"); dir="$AXWB_SERVICES_STATE/postgres"; cd /
            run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
            {{action}}
            """;

        public Task StopAsync() => RunAsync(_repo, _state, Control("""run "$bin/pg_ctl" -D "$dir/data" -m fast -w stop"""));

        public Task RestartAsync() => RunAsync(_repo, _state, Control(
            $"""run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "-c listen_addresses=127.0.0.1 -p {Port} -k $dir -c max_connections=400 -c autovacuum=off -c fsync=off -c full_page_writes=off -c synchronous_commit=off" """));

        public async ValueTask DisposeAsync()
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await RunAsync(_repo, _state, "tests/services.sh down postgres");
        }

        private static async Task<string> RunAsync(string repo, string state, string script)
        {
            var start = new ProcessStartInfo("bash") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            start.Environment["AXWB_SERVICES_STATE"] = state;
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"`{script}` failed ({process.ExitCode}): {await error}");
            }
            return output;
        }

        [GeneratedRegex("AXWB_TEST_POSTGRES='([^']+)'")]
        private static partial Regex ExportPattern();

        [GeneratedRegex(@"Port=(\d+)")]
        private static partial Regex PortPattern();
    }
}
