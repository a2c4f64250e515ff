using System.Security.Cryptography;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Model loading with its checks: which file (the configured one, or the fixture written on first start), the managed
/// GGUF validation before llama.cpp sees the file, the native library, and a failure named from llama.cpp's own log.
/// Never throws for a bad model: the outcome carries the reason.
/// </summary>
internal static class ModelLoader
{
    /// <summary>A loaded model, or the reason there is none.</summary>
    public sealed record Outcome(LoadedModel? Model, GgufHeader? Header, long Mark, string? Failure);

    /// <summary>The configured model path, or the fixture (written when missing).</summary>
    /// <exception cref="IOException">The fixture could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The fixture could not be written.</exception>
    public static string ResolvePath(InferenceOptions options) =>
        string.IsNullOrWhiteSpace(options.ModelPath)
            ? FixtureModelWriter.EnsureWritten(options.FixtureDirectory, options.FixtureSize, options.FixtureSeed)
            : options.ModelPath;

    /// <summary>The managed check; architectures llama.cpp's bundled build does not know pass only with a site library.</summary>
    public static GgufValidationResult Validate(string path, InferenceOptions options, bool strict = true) =>
        GgufValidator.Validate(path, allowUnknownArchitecture: !string.IsNullOrWhiteSpace(options.NativeLibraryPath) || !strict);

    /// <summary>Validates (unless <paramref name="validate"/> is false), initializes the native library and loads.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while loading.</exception>
    public static async Task<Outcome> LoadAsync(string path, bool validate, InferenceOptions options, IProgress<float> progress, CancellationToken cancellationToken)
    {
        var verdict = Validate(path, options, strict: validate);
        if (validate && !verdict.IsValid)
        {
            return new Outcome(null, null, 0, verdict.ToString());
        }

        try
        {
            LlamaNative.EnsureInitialized(options.NativeLibraryPath, options.ThreadWaitPolicy);
        }
        catch (NativeLibraryUnavailableException ex)
        {
            return new Outcome(null, null, 0, ex.Message);
        }

        var mark = LlamaNative.Mark();
        try
        {
            var model = await LoadedModel.LoadAsync(path, verdict.Header, options, progress, cancellationToken).ConfigureAwait(false);
            return new Outcome(model, verdict.Header, mark, null);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // a failed native load must never take the process down; the reason is surfaced instead
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new Outcome(null, null, mark, $"NativeLoadFailed: llama.cpp could not load '{path}': {NativeReason(mark, ex)}");
        }
    }

    /// <summary>The last problems llama.cpp logged since <paramref name="mark"/>, else the exception's message.</summary>
    public static string NativeReason(long mark, Exception ex)
    {
        var native = LlamaNative.ProblemsSince(mark);
        return native.Count > 0 ? string.Join(" | ", native.TakeLast(3)) : ex.Message;
    }

    /// <summary>SHA-256 of the file, lowercase hex (read in the background after a load; the model page shows it).</summary>
    public static async Task<string> HashAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream).ConfigureAwait(false));
    }
}
