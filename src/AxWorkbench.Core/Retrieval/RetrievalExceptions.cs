namespace AxWorkbench.Core.Retrieval;

/// <summary>A document's marking is above the library's ceiling.</summary>
public sealed class MarkingAboveCeilingException(string message) : InvalidOperationException(message);

/// <summary>The user may not change this library (only its owner or an administrator may).</summary>
public sealed class LibraryAccessDeniedException(string message) : UnauthorizedAccessException(message);

/// <summary>No library with that id.</summary>
public sealed class LibraryNotFoundException(Guid id) : KeyNotFoundException($"Library {id} does not exist (it may have been deleted).");

/// <summary>Library names are unique.</summary>
public sealed class LibraryNameTakenException(string name) : InvalidOperationException($"A library named '{name}' already exists; choose another name.");
