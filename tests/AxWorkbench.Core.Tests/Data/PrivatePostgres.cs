using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>A throw-away PostgreSQL of this test's own (tests/services.sh with a private AXWB_SERVICES_STATE), stoppable and restartable.</summary>
internal sealed partial class PrivatePostgres : IAsyncDisposable
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
