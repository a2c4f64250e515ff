using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AxWorkbench.Web.Tests.Hosting;

/// <summary>The real executable (AxWorkbench.Web.dll), started as an operator would, with its own data folder.</summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "axwb-start-tests", Guid.NewGuid().ToString("N"));

    private AppProcess(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        // An address from the test's own environment would hide what these tests check.
        foreach (var name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg.Replace("{data}", _data, StringComparison.Ordinal));
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The data folder to pass as --Data:DataDirectory ({data} in an argument is replaced by it).</summary>
    public const string DataArgument = "--Data:DataDirectory={data}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public static AppProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(environment, args);

    /// <summary>Waits until the process exits (a command, or a start stopped by a setting).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for Kestrel's "Now listening on:" line and returns that address.</summary>
    public async Task<Uri> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited).WaitAsync(timeout);
        return first == _listening.Task ? await _listening.Task : throw new InvalidOperationException($"The app exited ({_process.ExitCode}) without listening:\n{Output}");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (Directory.Exists(_data))
        {
            try
            {
                Directory.Delete(_data, recursive: true);
            }
            catch (IOException)
            {
                // A worker the app started may still hold a file for a moment; the temp folder is cleaned later.
            }
        }
    }
}
