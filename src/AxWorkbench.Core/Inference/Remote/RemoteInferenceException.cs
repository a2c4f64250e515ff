namespace AxWorkbench.Core.Inference.Remote;

/// <summary>The remote inference server could not be used; the message names the server and what went wrong.</summary>
public sealed class RemoteInferenceException(string message, Exception? inner = null) : Exception(message, inner);
