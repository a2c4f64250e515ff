using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AxWorkbench.Web.Cli;
using AxWorkbench.Web.Tests.Hosting;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>
/// A real workbench process (the executable an operator starts) with <c>/v1</c> on, on 127.0.0.1 and a port of its own,
/// with its own data folder. Keys are made with the real `keys add` command on that folder; audit records are read
/// from its SQLite file.
/// </summary>
public sealed partial class ApiNode : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private readonly string[] _settings;
    private AppProcess? _process;

    private ApiNode(string dataDirectory, int port, string[] settings)
    {
        DataDirectory = dataDirectory;
        Port = port;
        _settings = settings;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The OpenAI base address: http://127.0.0.1:PORT/v1.</summary>
    public Uri V1 => new(BaseAddress, "v1");

    public string Output => _process?.Output ?? "";

    /// <summary>A node that has not started yet (make keys first, then <see cref="StartAsync"/>).</summary>
    public static ApiNode Create(params string[] settings) =>
        new(Path.Combine(Path.GetTempPath(), "axwb-api-tests", Guid.NewGuid().ToString("N")), FreePort(), settings);

    /// <summary>Runs `keys add NAME ...` on this node's data folder and returns the secret it printed once.</summary>
    public async Task<string> AddKeyAsync(string name, params string[] options)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(["keys", "add", name, .. options], output, error, CliSettings);
        Assert.True(exit == 0, $"keys add {name} failed ({exit}): {error}");
        return SecretLine().Match(output.ToString()) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("keys add printed no key:\n" + output);
    }

    public async Task<(int Exit, string Output, string Error)> KeysAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(["keys", .. args], output, error, CliSettings);
        return (exit, output.ToString(), error.ToString());
    }

    private Dictionary<string, string?> CliSettings => new() { ["Data:DataDirectory"] = DataDirectory, ["Markings:Scheme"] = "Us" };

    public async Task StartAsync()
    {
        _process = AppProcess.Start(new Dictionary<string, string>(),
        [
            "--urls", $"http://127.0.0.1:{Port}", $"--Data:DataDirectory={DataDirectory}", "--Demo:Enabled=false", "--Markings:Scheme=Us",
            "--Api:Enabled=true", .. _settings,
        ]);
        await _process.WaitUntilListeningAsync(StartTimeout);
    }

    /// <summary>Kills the process at once (as a crash would), keeping its data folder.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>The api.call audit records, oldest first: (actor, outcome, details JSON, stored marking).</summary>
    public async Task<IReadOnlyList<(string Actor, string Outcome, string Details, string? Marking)>> ApiAuditAsync()
    {
        var records = new List<(string, string, string, string?)>();
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, "axworkbench.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Actor, Outcome, Details, Marking FROM AuditRecords WHERE Action = 'api.call' ORDER BY Sequence";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            records.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return records;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Key \(shown once\): (\S+)")]
    private static partial Regex SecretLine();

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDirectory))
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A worker the app started may still hold a file for a moment; the temp folder is cleaned later.
            }
        }
    }
}
