namespace AxWorkbench.Core.Inference.Offline;

/// <summary>llama.cpp could not load, decode or quantize a file outside serving; the message names the file and the reason.</summary>
public sealed class OfflineModelException(string message, Exception? innerException = null) : Exception(message, innerException);
