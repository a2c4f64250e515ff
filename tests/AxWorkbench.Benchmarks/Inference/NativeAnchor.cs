using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AxWorkbench.Benchmarks.Inference;

/// <summary>
/// llama.cpp itself as the anchor: <c>llama-batched-bench</c> on the same GGUF with the same threads, batch and flash
/// attention, N sequences generating together. The binaries come from <c>--native-bin DIR</c>, or from a build cached
/// under ~/.cache/axwb/llama.cpp (made once by tools/build-libllama.sh --tools from a node-llama-cpp bundle).
/// </summary>
internal sealed partial class NativeAnchor
{
    private static readonly string[] LibraryNames = ["libllama", "libggml", "libggml-base", "libggml-cpu"];

    private NativeAnchor(string bin, string? release, string? commit, string? libraryDirectory = null)
    {
        Bin = bin;
        Release = release;
        Commit = commit;
        LibraryDirectory = libraryDirectory;
    }

    public string Bin { get; }
    public string? Release { get; }
    public string? Commit { get; }
    public string? LastCommand { get; private set; }

    /// <summary>
    /// Where llama-batched-bench loads libllama and ggml from instead of its own build (LD_LIBRARY_PATH over its RUNPATH);
    /// null: its own build.
    /// </summary>
    public string? LibraryDirectory { get; }

    /// <summary>
    /// The same llama-batched-bench on another library: the one the engine loaded (<paramref name="libllama"/>, e.g.
    /// LLamaSharp's bundled build). Same driver, same arguments, only the library differs, so native ÷ this is what the
    /// library build costs and engine ÷ this is what the engine costs over that library. The binaries want their
    /// libraries under their SONAMEs (libllama.so.0, ...), so a folder of links names them so. Null when the folder has
    /// no libllama and ggml, or when the library is the native build's own.
    /// </summary>
    public NativeAnchor? OnLibrary(string? libllama)
    {
        if (string.IsNullOrEmpty(libllama) || Path.GetDirectoryName(Path.GetFullPath(libllama)) is not { } source
            || string.Equals(Path.GetFullPath(source), Path.GetFullPath(Bin), StringComparison.Ordinal))
        {
            return null;
        }

        var links = Path.Combine(Path.GetTempPath(), "axwb-native-on-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..12]);
        Directory.CreateDirectory(links);
        foreach (var name in LibraryNames)
        {
            var file = Directory.EnumerateFiles(source, name + ".so*").Order(StringComparer.Ordinal).FirstOrDefault();
            if (file is null)
            {
                return null;
            }

            foreach (var link in new[] { name + ".so", name + ".so.0" })
            {
                var path = Path.Combine(links, link);
                File.Delete(path);
                File.CreateSymbolicLink(path, file);
            }
        }

        return new NativeAnchor(Bin, Release, Commit, links);
    }

    /// <summary>The default cache folder of the native build (its bin/ holds llama-batched-bench and libllama.so).</summary>
    public static string CacheDirectory => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "axwb", "llama.cpp");

    /// <summary><paramref name="bin"/> when given; otherwise the cached build, built first when absent.</summary>
    public static NativeAnchor Locate(string? bin)
    {
        if (string.IsNullOrEmpty(bin))
        {
            bin = Path.Combine(CacheDirectory, "bin");
            if (!File.Exists(Path.Combine(bin, "llama-batched-bench")))
            {
                Build(CacheDirectory);
            }
        }

        var exe = Path.Combine(Path.GetFullPath(bin), "llama-batched-bench");
        if (!File.Exists(exe))
        {
            throw new FileNotFoundException($"--native-bin: no llama-batched-bench in '{bin}'.", exe);
        }

        return new NativeAnchor(Path.GetDirectoryName(exe)!, FindRelease(exe), ReadCommit(exe));
    }

    private static void Build(string outDir)
    {
        var script = FindUp(AppContext.BaseDirectory, Path.Combine("tools", "build-libllama.sh")) ?? FindUp(Environment.CurrentDirectory, Path.Combine("tools", "build-libllama.sh"))
            ?? throw new FileNotFoundException("tools/build-libllama.sh not found above the benchmark; pass --native-bin DIR.");
        Console.WriteLine($"native llama.cpp not cached: building it once into {outDir} ({script} --cpu --tools); this takes 10+ minutes on 2 cores");
        using var p = Process.Start(new ProcessStartInfo("bash", [script, "--cpu", "--tools", "--out", outDir]) { UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"building native llama.cpp failed (exit {p.ExitCode}); pass --native-bin DIR or --no-native.");
        }
    }

    /// <summary>
    /// Runs llama-batched-bench for all <paramref name="levels"/>; N → generation tok/s. Its last result line is sometimes
    /// lost at exit (its log is written by a thread), so missing levels are run again, up to twice.
    /// </summary>
    public SortedDictionary<int, double> Run(string model, int threads, int tokens, int contextPerSequence, bool flash, IReadOnlyList<int> levels, string? extraArgs)
    {
        var result = RunOnce(model, threads, tokens, contextPerSequence * levels.Max(), flash, levels, extraArgs);
        for (var attempt = 0; attempt < 2 && result.Count < levels.Count; attempt++)
        {
            foreach (var (n, tps) in RunOnce(model, threads, tokens, contextPerSequence * levels.Max(), flash, [.. levels.Where(l => !result.ContainsKey(l))], extraArgs))
            {
                result[n] = tps;
            }
        }

        return result;
    }

    private SortedDictionary<int, double> RunOnce(string model, int threads, int tokens, int context, bool flash, IReadOnlyList<int> levels, string? extraArgs)
    {
        var args = new List<string>
        {
            "-m", model, "-c", context.ToString(CultureInfo.InvariantCulture), "-b", "512", "-ub", "512",
            "-npp", "8", "-ntg", tokens.ToString(CultureInfo.InvariantCulture), "-npl", string.Join(',', levels),
            "-t", threads.ToString(CultureInfo.InvariantCulture), "-tb", threads.ToString(CultureInfo.InvariantCulture),
            "-fa", flash ? "on" : "off", "--output-format", "jsonl",
        };
        if (!string.IsNullOrWhiteSpace(extraArgs))
        {
            args.AddRange(extraArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var exe = Path.Combine(Bin, "llama-batched-bench");
        LastCommand = exe + " " + string.Join(' ', args);
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (LibraryDirectory is not null)
        {
            psi.Environment["LD_LIBRARY_PATH"] = LibraryDirectory;
            LastCommand = $"LD_LIBRARY_PATH={LibraryDirectory} {LastCommand}";
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"llama-batched-bench failed (exit {p.ExitCode}): {Tail(stderr.Result)}");
        }

        var result = new SortedDictionary<int, double>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            result[doc.RootElement.GetProperty("pl").GetInt32()] = doc.RootElement.GetProperty("speed_tg").GetDouble();
        }

        if (result.Count < levels.Count)
        {
            Console.WriteLine($"llama-batched-bench reported {result.Count} of {levels.Count} levels this round; its stderr ends: {Tail(stderr.Result)}");
        }

        return result;
    }

    private static string Tail(string s) => s.Length > 800 ? s[^800..] : s;

    /// <summary>The llama.cpp release (e.g. b9842): BUILD-INFO from tools/build-libllama.sh, or node-llama-cpp's binariesGithubRelease.json beside the source.</summary>
    private static string? FindRelease(string exe)
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(exe)!); dir is not null; dir = dir.Parent)
        {
            var info = Path.Combine(dir.FullName, "BUILD-INFO");
            if (File.Exists(info))
            {
                var release = File.ReadAllLines(info).FirstOrDefault(l => l.StartsWith("release=", StringComparison.Ordinal));
                if (release is not null)
                {
                    return release["release=".Length..];
                }
            }

            foreach (var candidate in new[] { Path.Combine(dir.FullName, "package", "llama", "binariesGithubRelease.json"), Path.Combine(dir.FullName, "llama", "binariesGithubRelease.json") })
            {
                if (File.Exists(candidate))
                {
                    using var doc = JsonDocument.Parse(File.ReadAllText(candidate));
                    return doc.RootElement.GetProperty("release").GetString();
                }
            }
        }

        return null;
    }

    private static string? ReadCommit(string exe)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(exe, ["--version"]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            var m = VersionRegex().Match(text);
            return m.Success ? $"build {m.Groups[1].Value}, commit {m.Groups[2].Value}" : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? FindUp(string start, string relative)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [GeneratedRegex(@"version:\s*(\d+)\s*\(([0-9a-f]+)\)")]
    private static partial Regex VersionRegex();
}
