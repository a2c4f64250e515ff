using LLama.Native;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Inference;

/// <summary>The engine's source-generated log messages.</summary>
internal static partial class EngineLog
{
    /// <summary>Forwards one llama.cpp log line at its own level.</summary>
    public static void Native(ILogger logger, LLamaLogLevel level, string line)
    {
        switch (level)
        {
            case LLamaLogLevel.Error: NativeError(logger, line); break;
            case LLamaLogLevel.Warning: NativeWarning(logger, line); break;
            default: NativeDebug(logger, line); break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Switching the served model to {Path}: draining running generations")]
    public static partial void SwapStarted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Served model switched from {OldPath} to {NewPath}")]
    public static partial void Swapped(ILogger logger, string oldPath, string newPath);

    [LoggerMessage(Level = LogLevel.Error, Message = "Switching the served model to {Path} failed: {Reason}")]
    public static partial void SwapFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {FileName} ready: {Architecture}, {Parameters} parameters, native library {Backend}")]
    public static partial void ModelReady(ILogger logger, string fileName, string architecture, ulong parameters, string backend);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model unavailable: {Reason}")]
    public static partial void ModelFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hash model file {Path}: {Reason}")]
    public static partial void HashFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The inference loop caught a failure; affected requests were failed, the loop continues")]
    public static partial void LoopError(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "llama.cpp: {Line}")]
    private static partial void NativeError(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "llama.cpp: {Line}")]
    private static partial void NativeWarning(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "llama.cpp: {Line}")]
    private static partial void NativeDebug(ILogger logger, string line);
}
