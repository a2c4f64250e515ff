using System.Diagnostics;
using LLama.Native;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The one gate every LLamaSharp call in the process passes first: it sets the native log callback and the
/// site-built library path (both must happen before the native library loads), then loads it. llama.cpp's log
/// is kept so that a failed load can name its real reason.
/// </summary>
internal static class LlamaNative
{
    private static readonly Lock Gate = new();
    private static readonly Lock LogGate = new();
    private static readonly Queue<(LLamaLogLevel Level, string Line)> Recent = new();
    private static readonly System.Text.StringBuilder Partial = new();
    private static LLamaLogLevel _partialLevel;
    private static bool _initialized;
    private static string? _requestedPath;
    private static string? _loadError;

    /// <summary>Receives each complete native log line (level, text); the engine forwards them to its ILogger.</summary>
    public static event Action<LLamaLogLevel, string>? LineLogged;

    /// <summary>Path of the libllama the process actually loaded, once loaded.</summary>
    public static string? LoadedLibraryPath { get; private set; }

    /// <summary>Initializes once. Later calls with a different path cannot change the library that already loaded.</summary>
    /// <exception cref="NativeLibraryUnavailableException">The native library cannot be loaded.</exception>
    public static void EnsureInitialized(string? nativeLibraryPath = null, ThreadWaitPolicy waitPolicy = ThreadWaitPolicy.Passive)
    {
        lock (Gate)
        {
            if (!_initialized)
            {
                _initialized = true;
                _requestedPath = string.IsNullOrWhiteSpace(nativeLibraryPath) ? null : nativeLibraryPath;
                try
                {
                    NativeThreading.Apply(waitPolicy); // read by the OpenMP runtime when libggml-cpu loads, so before anything native
                    NativeLibraryConfig.All.WithLogCallback(OnLog);
                    if (_requestedPath is not null)
                    {
                        if (!File.Exists(_requestedPath))
                        {
                            throw new FileNotFoundException($"The configured native library '{_requestedPath}' does not exist.");
                        }

                        NativeLibraryConfig.LLama.WithLibrary(_requestedPath);
                    }

                    NativeApi.llama_empty_call();
                    LoadedLibraryPath = FindLoadedLibrary() ?? _requestedPath;
                }
                catch (Exception ex) when (ex is DllNotFoundException or FileNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
                {
                    _loadError = $"The native llama.cpp library could not be loaded ({_requestedPath ?? "bundled LLamaSharp.Backend"}): {Innermost(ex).Message} {LastErrors()}".Trim();
                }
            }
            else if (_requestedPath != (string.IsNullOrWhiteSpace(nativeLibraryPath) ? null : nativeLibraryPath) && nativeLibraryPath is not null)
            {
                LineLogged?.Invoke(LLamaLogLevel.Warning, $"Native library already initialized from '{LoadedLibraryPath}'; '{nativeLibraryPath}' is ignored until restart.");
            }

            if (_loadError is not null)
            {
                throw new NativeLibraryUnavailableException(_loadError);
            }
        }
    }

    /// <summary>Lines logged at warning or error level, newest last (at most <paramref name="max"/>).</summary>
    public static IReadOnlyList<string> RecentProblems(int max = 5)
    {
        lock (LogGate)
        {
            return [.. Recent.Where(r => r.Level is LLamaLogLevel.Error or LLamaLogLevel.Warning).Select(r => r.Line).TakeLast(max)];
        }
    }

    /// <summary>All recent lines, newest last (at most <paramref name="max"/>).</summary>
    public static IReadOnlyList<string> RecentLines(int max = 50)
    {
        lock (LogGate)
        {
            return [.. Recent.Select(r => r.Line).TakeLast(max)];
        }
    }

    /// <summary>A marker for "log lines after this point" (see <see cref="ProblemsSince"/>).</summary>
    public static long Mark()
    {
        lock (LogGate)
        {
            return _lineCount;
        }
    }

    /// <summary>Error and warning lines logged since <paramref name="mark"/>.</summary>
    public static IReadOnlyList<string> ProblemsSince(long mark) => LinesSince(mark, errorsOnly: true);

    public static IReadOnlyList<string> LinesSince(long mark, bool errorsOnly = false)
    {
        lock (LogGate)
        {
            var skip = Recent.Count - (int)Math.Min(Recent.Count, _lineCount - mark);
            return [.. Recent.Skip(skip).Where(r => !errorsOnly || r.Level is LLamaLogLevel.Error or LLamaLogLevel.Warning).Select(r => r.Line)];
        }
    }

    private static long _lineCount;

    private static void OnLog(LLamaLogLevel level, string message)
    {
        Action<LLamaLogLevel, string>? sink;
        List<(LLamaLogLevel, string)> complete = [];
        lock (LogGate)
        {
            if (level != LLamaLogLevel.Continue)
            {
                _partialLevel = level;
            }

            Partial.Append(message);
            var text = Partial.ToString();
            var lastNewline = text.LastIndexOf('\n');
            if (lastNewline < 0)
            {
                return;
            }

            Partial.Clear().Append(text, lastNewline + 1, text.Length - lastNewline - 1);
            foreach (var line in text[..lastNewline].Split('\n'))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                Recent.Enqueue((_partialLevel, line));
                _lineCount++;
                if (Recent.Count > 400)
                {
                    Recent.Dequeue();
                }

                complete.Add((_partialLevel, line));
            }

            sink = LineLogged;
        }

        if (sink is not null)
        {
            foreach (var (l, line) in complete)
            {
                sink(l, line);
            }
        }
    }

    private static string LastErrors()
    {
        var problems = RecentProblems(3);
        return problems.Count == 0 ? string.Empty : "llama.cpp: " + string.Join(" | ", problems);
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private static string? FindLoadedLibrary()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            foreach (ProcessModule module in process.Modules)
            {
                var name = module.ModuleName ?? string.Empty;
                if (name.StartsWith("libllama", StringComparison.OrdinalIgnoreCase) || name.Equals("llama.dll", StringComparison.OrdinalIgnoreCase))
                {
                    return module.FileName;
                }
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (NotSupportedException)
        {
        }

        return null;
    }

    /// <summary>Names of the ggml backend devices llama.cpp sees (e.g. "CPU", "CUDA0").</summary>
    public static IReadOnlyList<string> Devices()
    {
        var names = new List<string>();
        var count = (ulong)NativeApi.ggml_backend_dev_count();
        for (ulong i = 0; i < count; i++)
        {
            var dev = NativeApi.ggml_backend_dev_get((UIntPtr)i);
            var name = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(NativeApi.ggml_backend_dev_name(dev));
            if (!string.IsNullOrEmpty(name))
            {
                names.Add(name);
            }
        }

        return names;
    }
}

/// <summary>The native llama.cpp library could not be loaded (missing backend package, wrong path, incompatible build).</summary>
public sealed class NativeLibraryUnavailableException(string message) : Exception(message);
