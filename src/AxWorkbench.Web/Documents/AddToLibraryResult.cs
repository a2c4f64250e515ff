namespace AxWorkbench.Web.Documents;

/// <summary>The outcome of adding the open document to a library, as the reader shows it.</summary>
public sealed record AddToLibraryResult(bool Succeeded, string Message);
