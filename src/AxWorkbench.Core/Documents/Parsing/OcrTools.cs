using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>The result of one helper program: its exit code and the end of what it wrote to stderr.</summary>
internal sealed record ToolResult(int ExitCode, string Errors, string Output);

/// <summary>A helper program ran past the time it was given (the caller names the limit).</summary>
internal sealed class ToolTimeoutException(string tool) : Exception($"{tool} ran past its time limit and was stopped.");

/// <summary>
/// The programs OCR and the PDF fallback run (Debian's tesseract-ocr and poppler-utils), found on PATH once per worker
/// process. Each runs as a child of the worker with a wall-clock limit (killed past it), under `prlimit --as` where
/// prlimit exists so a hostile page cannot take the machine's memory, and with one OpenMP thread.
/// </summary>
internal static class OcrTools
{
    private static readonly Lazy<string?> _tesseract = new(() => Find("tesseract"));
    private static readonly Lazy<string?> _pdftoppm = new(() => Find("pdftoppm"));
    private static readonly Lazy<string?> _pdftotext = new(() => Find("pdftotext"));
    private static readonly Lazy<string?> _pdfinfo = new(() => Find("pdfinfo"));
    private static readonly Lazy<string?> _prlimit = new(() => OperatingSystem.IsLinux() ? Find("prlimit") : null);
    private static readonly Lazy<IReadOnlySet<string>> _languages = new(ListLanguages);

    public static string? Tesseract => _tesseract.Value;

    public static string? Pdftoppm => _pdftoppm.Value;

    public static string? Pdftotext => _pdftotext.Value;

    public static string? Pdfinfo => _pdfinfo.Value;

    /// <summary>Null when OCR can run with <paramref name="limits"/>; else why not, naming what is missing and how to install it.</summary>
    public static string? Unavailable(ParserLimits limits, bool forPdf)
    {
        if (!limits.Ocr)
        {
            return "OCR is switched off on this server (Documents:Worker:Ocr)";
        }
        if (Tesseract is null)
        {
            return "OCR is not available: the program 'tesseract' is not installed on this server (apt-get install tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng)";
        }
        var missing = (limits.OcrLanguages + "+" + limits.OcrKoreanLanguages).Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).Where(l => !_languages.Value.Contains(l)).ToList();
        if (missing.Count > 0)
        {
            return $"OCR is not available: tesseract has no data for the language(s) {string.Join(", ", missing)} (apt-get install {string.Join(' ', missing.Select(l => "tesseract-ocr-" + l))})";
        }
        if (Leptonica.Unavailable is { } leptonica)
        {
            return $"OCR is not available: {leptonica}";
        }
        if (forPdf && Pdftoppm is null)
        {
            return "OCR of PDF pages is not available: the program 'pdftoppm' is not installed on this server (apt-get install poppler-utils)";
        }
        return null;
    }

    /// <summary>Runs <paramref name="program"/> and waits at most <paramref name="timeout"/>; throws <see cref="ToolTimeoutException"/> past it.</summary>
    public static ToolResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout, ParserLimits limits, bool captureOutput = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(limits);
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (_prlimit.Value is { } prlimit)
        {
            start.FileName = prlimit;
            start.ArgumentList.Add("--as=" + ((long)limits.OcrProcessMemoryMegabytes * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["OMP_THREAD_LIMIT"] = "1";

        var errors = new StringBuilder();
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => Append(errors, e.Data, 4_000);
        process.OutputDataReceived += (_, e) => Append(output, e.Data, captureOutput ? 16 * 1024 * 1024 : 4_000);
        process.Start();
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        if (!process.WaitForExit(timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended just now.
            }
            process.WaitForExit();
            throw new ToolTimeoutException(Path.GetFileName(program));
        }
        process.WaitForExit(); // drains the redirected streams
        lock (errors)
        {
            lock (output)
            {
                return new ToolResult(process.ExitCode, errors.ToString().Trim(), output.ToString());
            }
        }
    }

    private static void Append(StringBuilder builder, string? line, int max)
    {
        if (line is null)
        {
            return;
        }
        lock (builder)
        {
            if (builder.Length < max)
            {
                builder.Append(line).Append('\n');
            }
        }
    }

    private static IReadOnlySet<string> ListLanguages()
    {
        if (Tesseract is null)
        {
            return new HashSet<string>();
        }
        try
        {
            var result = Run(Tesseract, ["--list-langs"], TimeSpan.FromSeconds(20), ParserLimits.Default, captureOutput: true);
            return (result.Output + "\n" + result.Errors).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.Contains(' ', StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is ToolTimeoutException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new HashSet<string>();
        }
    }

    private static string? Find(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
