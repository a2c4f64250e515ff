using System.Diagnostics;
using AxWorkbench.Core.Documents.Parsing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Documents.Worker;

/// <summary>The parser worker could not be started at all (not a property of any one file).</summary>
public sealed class ParserWorkerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Parses untrusted files in a separate, long-lived process (AxWorkbench.ParserWorker) over stdin/stdout, one file at
/// a time. The worker runs with a managed heap limit; the parent enforces a wall-clock limit and kills it on a
/// timeout; a crash or kill refuses that file and the next request starts a fresh worker. This process never parses.
/// </summary>
public sealed partial class ParserWorkerClient(IOptions<ParserWorkerOptions> options, ILogger<ParserWorkerClient> logger) : IAsyncDisposable, IDisposable
{
    public const string WorkerAssemblyName = "AxWorkbench.ParserWorker";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private long _nextId;
    private int _starts;
    private int _disposed;

    /// <summary>How many times a worker was started after the first (after a crash, timeout or kill).</summary>
    public int Restarts => Math.Max(0, _starts - 1);

    /// <summary>The current worker's process id, or null when none runs.</summary>
    public int? WorkerProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>
    /// Parses the file at <paramref name="path"/>; throws <see cref="DocumentRejectedException"/> when it is refused for any
    /// reason. Without <paramref name="limits"/> the configured ones apply (<see cref="ParserWorkerOptions.ToLimits"/>);
    /// <paramref name="progress"/> hears of each page that OCR or the pdftotext fallback reads.
    /// </summary>
    public async Task<ParsedDocument> ParseAsync(string path, CancellationToken cancellationToken = default, ParserLimits? limits = null, IProgress<ParseProgress>? progress = null)
    {
        var response = await SendAsync(WorkerProtocol.ParseCommand, Path.GetFullPath(path), limits ?? options.Value.ToLimits(), cancellationToken, progress);
        if (!response.Ok)
        {
            throw new DocumentRejectedException(response.Reason ?? RejectionReason.Malformed, response.Message ?? "The file was refused.");
        }
        return new ParsedDocument(response.Format ?? DocumentKind.Text, response.Pages ?? [], response.Warnings ?? []);
    }

    /// <summary>Sends a raw command (tests use the crash/hang commands; <see cref="WorkerProtocol.PingCommand"/> warms the worker).</summary>
    public async Task<WorkerResponse> SendAsync(string command, string? path, ParserLimits? limits, CancellationToken cancellationToken, IProgress<ParseProgress>? progress = null)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var fresh = _process is not { HasExited: false };
            var process = EnsureStarted();
            if (fresh && command != WorkerProtocol.PingCommand)
            {
                // A cold start (runtime load, JIT) must not count against the file's time limit.
                await WaitUntilReadyAsync(process, cancellationToken);
            }
            var id = Interlocked.Increment(ref _nextId);
            var timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            WorkerResponse? response;
            try
            {
                await WorkerProtocol.WriteAsync(process.StandardInput.BaseStream, new WorkerRequest(id, command, path, limits), deadline.Token);
                response = await WorkerProtocol.ReadAsync<WorkerResponse>(process.StandardOutput.BaseStream, deadline.Token);
                while (response is { Progress: { } step } && response.Id == id)
                {
                    // A page of a long scan begins: the worker bounds that page itself; the wall clock starts again.
                    progress?.Report(step);
                    deadline.CancelAfter(timeout + TimeSpan.FromSeconds((limits ?? ParserLimits.Default).OcrPageSeconds));
                    response = await WorkerProtocol.ReadAsync<WorkerResponse>(process.StandardOutput.BaseStream, deadline.Token);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill(process);
                LogTimeout(logger, path ?? command, options.Value.TimeoutSeconds);
                throw new DocumentRejectedException(RejectionReason.Timeout,
                    $"Reading the file took longer than {options.Value.TimeoutSeconds} s; it was stopped and the file refused.");
            }
            catch (OperationCanceledException)
            {
                // The caller gave up mid-file: the worker is still busy with it, so it goes.
                Kill(process);
                throw;
            }
            catch (IOException)
            {
                response = null;
            }

            if (response is null || response.Id != id)
            {
                var exit = await ExitCodeAsync(process);
                Kill(process);
                LogCrash(logger, path ?? command, exit);
                throw new DocumentRejectedException(RejectionReason.WorkerCrashed,
                    $"The parser stopped on this file (exit code {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}), as hostile files make it do; the file was refused.");
            }
            return response;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartupTimeout);
        try
        {
            await WorkerProtocol.WriteAsync(process.StandardInput.BaseStream, new WorkerRequest(id, WorkerProtocol.PingCommand, null, null), deadline.Token);
            var pong = await WorkerProtocol.ReadAsync<WorkerResponse>(process.StandardOutput.BaseStream, deadline.Token);
            if (pong?.Id == id)
            {
                return;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            // The caller gave up while the worker was starting: its answer to the ping may still arrive and would be
            // read as the answer to the next request, so this worker goes too.
            Kill(process);
            throw;
        }
        catch (IOException)
        {
        }
        Kill(process);
        throw new ParserWorkerUnavailableException($"The parser worker did not answer within {StartupTimeout.TotalSeconds:N0} s of starting; documents cannot be read until it does.");
    }

    /// <summary>How long a freshly started worker may take to answer its first ping.</summary>
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private Process EnsureStarted()
    {
        if (_process is { HasExited: false } running)
        {
            return running;
        }
        _process?.Dispose();
        var (fileName, arguments) = Locate();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + ((long)options.Value.HeapLimitMegabytes * 1024 * 1024).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment[WorkerProtocol.TestCommandsVariable] = options.Value.EnableTestCommands ? "1" : "0";
        try
        {
            var process = Process.Start(start) ?? throw new ParserWorkerUnavailableException($"The parser worker '{fileName}' did not start.");
            process.ErrorDataReceived += (_, e) =>
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    LogWorkerOutput(logger, e.Data);
                }
            };
            process.BeginErrorReadLine();
            try
            {
                process.PriorityClass = Enum.Parse<ProcessPriorityClass>(options.Value.Priority, ignoreCase: true);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not allowed here (a container without the right): the worker runs at the app's priority
            }

            _process = process;
            _starts++;
            LogStarted(logger, process.Id, fileName, options.Value.HeapLimitMegabytes);
            return process;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ParserWorkerUnavailableException($"The parser worker '{fileName}' could not be started ({ex.Message}). Check Documents:Worker:Path.", ex);
        }
    }

    /// <summary>The worker executable: the configured path, else next to this app (apphost preferred, else `dotnet exec` of the dll).</summary>
    private (string FileName, string[] Arguments) Locate()
    {
        var configured = options.Value.Path;
        var dll = configured is not null && configured.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? configured
            : Path.Combine(configured is null ? AppContext.BaseDirectory : Path.GetDirectoryName(Path.GetFullPath(configured))!, WorkerAssemblyName + ".dll");
        if (configured is not null && !configured.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(configured))
        {
            return (configured, []);
        }
        if (!File.Exists(dll))
        {
            throw new ParserWorkerUnavailableException(
                $"The parser worker was not found at '{dll}'. Build the solution (the worker is copied next to the app) or set Documents:Worker:Path.");
        }
        // `dotnet exec` with the same host that runs this app: works under dotnet run, dotnet test and after publish.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
        {
            var current = Environment.ProcessPath;
            host = current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
                ? current
                : Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        }
        if (!File.Exists(host))
        {
            host = "dotnet";
        }
        return (host, ["exec", dll]);
    }

    private static async Task<int?> ExitCodeAsync(Process process)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Stops the worker at once (hosts that dispose synchronously).</summary>
    public void Dispose()
    {
        if (_process is { } process)
        {
            Kill(process);
            process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // a host and its owner may both dispose it
        }
        await _gate.WaitAsync();
        try
        {
            if (_process is { } process)
            {
                try
                {
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The worker is already gone.
                }
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    Kill(process);
                }
                process.Dispose();
                _process = null;
            }
        }
        finally
        {
            _gate.Release();
        }
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Parser worker {ProcessId} started ({FileName}, heap limit {HeapMb} MB)")]
    private static partial void LogStarted(ILogger logger, int processId, string fileName, int heapMb);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parser worker timed out after {Seconds} s on {Path}; killed")]
    private static partial void LogTimeout(ILogger logger, string path, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parser worker died on {Path} (exit code {ExitCode}); a new one starts with the next file")]
    private static partial void LogCrash(ILogger logger, string path, int? exitCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Parser worker: {Line}")]
    private static partial void LogWorkerOutput(ILogger logger, string line);
}
