using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AxWorkbench.Load;

/// <summary>
/// The real workbench executable (AxWorkbench.Web.dll) in a data folder of its own, on 127.0.0.1 and a free port;
/// its users made with the operator command line (`users add ... --password-stdin`), as an operator would.
/// </summary>
public sealed class LoadServer : IAsyncDisposable
{
    public const string Unit = "1st Intelligence Battalion";
    private readonly string _dll;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "axwb-load-" + Guid.NewGuid().ToString("N"));
    private readonly IReadOnlyList<string> _settings;
    private Process? _process;
    private long _logBytes;

    public LoadServer(string dll, IReadOnlyList<string> settings)
    {
        _dll = dll;
        _settings = settings;
    }

    public string Origin { get; private set; } = "";

    public int? ProcessId => _process?.Id;

    /// <summary>`users add NAME --role ... --clearance ... --unit ... --password-stdin`, before the server starts.</summary>
    public async Task AddUserAsync(string name, string password, string[] roles, string clearance)
    {
        var start = Start(["users", "add", name, "--role", .. roles, "--clearance", clearance, "--unit", Unit, "--password-stdin"]);
        start.RedirectStandardInput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        await process.StandardInput.WriteLineAsync(password);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"users add {name} exited {process.ExitCode}: {output}");
        }
    }

    public async Task StartAsync(string demoPassword)
    {
        var port = FreePort();
        Origin = $"http://127.0.0.1:{port}";
        var start = Start(["--urls", Origin, .. _settings]);
        start.Environment["Demo__Enabled"] = "true";
        start.Environment["Demo__Password"] = demoPassword;
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        // The console logger writes its "fail:"/"crit:" headers on stdout and the message on the next lines: both streams
        // are read, and a failure's header and the 3 lines after it are echoed and kept for the report.
        var echo = 0;
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            Interlocked.Add(ref _logBytes, line.Length + 1);
            if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                echo = 4;
            }
            else if (echo == 0 && line.StartsWith("warn:", StringComparison.Ordinal))
            {
                // Warnings (slow turns and actions, refusals) are kept for the report: header and message line.
                echo = 2;
            }

            if (echo > 0)
            {
                echo--;
                Console.Error.WriteLine("server: " + line);
                FailureLines.Enqueue(line);
                while (FailureLines.Count > 400 && FailureLines.TryDequeue(out _))
                {
                }
            }
        }
        _process.OutputDataReceived += (_, e) => Read(e.Data);
        _process.ErrorDataReceived += (_, e) => Read(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_process.ExitCode} while starting");
            }
            try
            {
                var response = await http.GetAsync(new Uri(Origin + "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the server did not become healthy within 3 minutes");
    }

    /// <summary>The server's logged failures and warnings (a header and the lines after it), the last 400 lines.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> FailureLines { get; } = new();

    /// <summary>Characters the server has written to its console (its log) so far.</summary>
    public long LogBytes => Interlocked.Read(ref _logBytes);

    /// <summary>Size of SQLite's write-ahead log now (0 when there is none).</summary>
    public long WalBytes
    {
        get
        {
            var wal = new FileInfo(Path.Combine(_data, "axworkbench.db-wal"));
            return wal.Exists ? wal.Length : 0;
        }
    }

    /// <summary>Resident set (MB), open file descriptors and threads of the server, from /proc.</summary>
    public (double WorkingSetMb, int Handles, int Threads) Sample()
    {
        if (_process is null || _process.HasExited)
        {
            return (0, 0, 0);
        }
        double rssKb = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rssKb = double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line[8..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        var handles = Directory.EnumerateFileSystemEntries($"/proc/{_process.Id}/fd").Count();
        return (Math.Round(rssKb / 1024, 1), handles, threads);
    }

    private ProcessStartInfo Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Data__DataDirectory"] = _data;
        start.Environment["Markings__Scheme"] = "Us";
        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
