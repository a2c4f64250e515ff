using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;
using Microsoft.Extensions.Logging;
using RetrievalPage = AxWorkbench.Core.Retrieval.DocumentPage;

namespace AxWorkbench.Core.Retrieval;

/// <summary>The document is not ready for indexing (still parsing, failed, or not visible to the user).</summary>
public sealed class DocumentNotIndexableException(string message) : InvalidOperationException(message);

/// <summary>
/// Files stored documents in libraries: builds an <see cref="IndexedDocument"/> from the stored pages and their portion
/// marks and hands it to <see cref="RetrievalService.AddDocumentAsync"/> (which enforces ownership and the ceiling).
/// Every attempt is audited, refusals included.
/// </summary>
public sealed partial class LibraryIndexing(DocumentLibrary documents, RetrievalService retrieval, IAuditLog audit, ILogger<LibraryIndexing> logger)
{
    public const string AuditAction = "library.document-added";

    /// <summary>The libraries this actor may add documents to (owner, or any as administrator).</summary>
    public async Task<IReadOnlyList<LibrarySummary>> ListTargetsAsync(WorkbenchActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var all = await retrieval.ListLibrariesAsync(actor, cancellationToken);
        return [.. all.Where(l => actor.IsAdministrator || l.OwnerId == actor.UserId)];
    }

    /// <summary>Adds a library by its name (the import command).</summary>
    public async Task AddToLibraryAsync(string libraryName, Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryName);
        ArgumentNullException.ThrowIfNull(actor);
        // Found by name among all libraries; whether this actor may add to it is decided by AddDocumentAsync (and audited).
        var all = await retrieval.ListLibrariesAsync(WorkbenchActor.System, cancellationToken);
        var library = all.FirstOrDefault(l => string.Equals(l.Name, libraryName.Trim(), StringComparison.Ordinal))
            ?? throw new LibraryNotFoundByNameException(libraryName);
        await AddToLibraryAsync(library.Id, documentId, actor, cancellationToken);
    }

    public async Task AddToLibraryAsync(Guid libraryId, Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var record = await documents.GetAsync(documentId, actor.Authorization, cancellationToken);
        try
        {
            if (record is null || record.Status != DocumentStatus.Ready)
            {
                throw new DocumentNotIndexableException(record is null
                    ? "The document does not exist or is above your clearance."
                    : $"'{record.FileName}' is {record.Status.ToString().ToLowerInvariant()}; only parsed documents can be added to a library.");
            }

            await retrieval.AddDocumentAsync(libraryId, ToIndexed(record), actor, cancellationToken);
        }
        catch (Exception ex) when (ex is DocumentNotIndexableException or MarkingAboveCeilingException or LibraryAccessDeniedException or LibraryNotFoundException)
        {
            await audit.WriteAsync(Event(actor, libraryId, documentId, record, AuditOutcomes.Denied, ex.Message), cancellationToken);
            LogRefused(logger, documentId, libraryId, actor.AuditName, ex.Message);
            throw;
        }

        await audit.WriteAsync(Event(actor, libraryId, documentId, record, AuditOutcomes.Success, null), cancellationToken);
        LogAdded(logger, documentId, libraryId, actor.AuditName);
    }

    /// <summary>
    /// The stored document as retrieval indexes it: its pages (each saying whether OCR read it, and how surely), and for
    /// each paragraph that carries its own portion mark a <see cref="PortionMarking"/> over that paragraph (other text
    /// inherits the document's marking).
    /// </summary>
    public static IndexedDocument ToIndexed(DocumentRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var marking = MarkingStorage.FromStorage(record.Marking);
        var stored = record.Pages.OrderBy(p => p.Number).ToList();
        var parsed = stored.Select(p => new ParsedPage(p.Number, p.Text)).ToList();
        var marks = MarkingDetector.Detect(parsed).Where(m => !m.IsBanner).ToDictionary(m => (m.Page, m.Paragraph), m => m.Marking);
        var pages = parsed.Zip(stored, (page, source) => new RetrievalPage(page.Number, page.Text,
            [.. page.Paragraphs().Where(p => marks.ContainsKey((page.Number, p.Index)))
                .Select(p => new PortionMarking(p.Start, p.Length, marks[(page.Number, p.Index)]))],
            source.Source == PageSource.Ocr, source.Source == PageSource.Ocr ? source.Confidence : null)).ToList();
        return new IndexedDocument(record.Id, 1, record.FileName, marking, pages);
    }

    private static AuditEvent Event(WorkbenchActor actor, Guid libraryId, Guid documentId, DocumentRecord? record, string outcome, string? reason) => new()
    {
        Action = AuditAction,
        Actor = actor.AuditName,
        ClientAddress = actor.ClientAddress,
        Target = documentId.ToString(),
        Outcome = outcome,
        Marking = record is null ? null : MarkingStorage.FromStorage(record.Marking),
        Details = System.Text.Json.JsonSerializer.Serialize(new { libraryId, documentId, reason }),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {DocumentId} added to library {LibraryId} by {Actor}")]
    private static partial void LogAdded(ILogger logger, Guid documentId, Guid libraryId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {DocumentId} refused for library {LibraryId} ({Actor}): {Reason}")]
    private static partial void LogRefused(ILogger logger, Guid documentId, Guid libraryId, string actor, string reason);
}

/// <summary>No library has that name.</summary>
public sealed class LibraryNotFoundByNameException(string name) : KeyNotFoundException($"There is no library named '{name}' (create it on the Libraries page first).");
