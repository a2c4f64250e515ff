using AxWorkbench.Core.Data;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Retrieval;

/// <summary>A library as a user sees it in lists; <paramref name="IndexingCount"/>: its documents still waiting for their vectors (found by words already).</summary>
public sealed record LibrarySummary(Guid Id, string Name, string OwnerId, Marking Ceiling, IReadOnlyList<string> Units, int DocumentCount, int IndexingCount = 0);

/// <summary>
/// Libraries, indexing and search. The database is the source of truth (documents, chunks, vectors, library
/// membership); <see cref="RetrievalIndexHost"/> keeps the indexes in step with it. A search is restricted to the
/// libraries the user may search (owner, or a member unit) and to the chunks whose marking the user dominates,
/// before anything is ranked.
/// </summary>
public sealed partial class RetrievalService(
    IDbContextFactory<WorkbenchDbContext> contexts,
    RetrievalIndexHost host,
    IOptions<RetrievalOptions> options,
    ILogger<RetrievalService> logger,
    TimeProvider? time = null,
    NodeIdentity? node = null,
    JobQueue? jobs = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly string _node = node?.Id ?? "local";
    private readonly SemaphoreSlim _writes = new(1, 1);

    /// <summary>
    /// A library made by a signed-in user, who owns it. Administrators choose any ceiling and member units; anyone else
    /// makes a working library for their own unit (no units given means their own) with a ceiling no higher than their
    /// clearance, so nobody can open material to a unit or level they could not share it with themselves.
    /// </summary>
    public Task<LibrarySummary> CreateLibraryAsync(WorkbenchActor actor, string name, Marking ceiling, IEnumerable<string> units, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(ceiling);
        ArgumentNullException.ThrowIfNull(units);
        var requested = units.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (actor.IsAdministrator)
        {
            return CreateLibraryAsync(actor.UserId, name, ceiling, requested, cancellationToken);
        }

        if (ceiling.Level > actor.Authorization.Clearance)
        {
            throw new LibraryAccessDeniedException($"A library's ceiling can be at most your own clearance ({actor.Authorization.Clearance}); choose a lower ceiling or ask an administrator.");
        }
        var foreign = requested.Where(u => !string.Equals(u, actor.Unit, StringComparison.Ordinal)).ToList();
        if (foreign.Count > 0)
        {
            throw new LibraryAccessDeniedException(
                $"Only an administrator may open a library to other units ({string.Join(", ", foreign)}); leave the units empty for your own unit ({(actor.Unit.Length > 0 ? actor.Unit : "none")}).");
        }
        return CreateLibraryAsync(actor.UserId, name, ceiling, actor.Unit.Length > 0 ? [actor.Unit] : [], cancellationToken);
    }

    public async Task<LibrarySummary> CreateLibraryAsync(string ownerId, string name, Marking ceiling, IEnumerable<string> units, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(ceiling);
        var library = new Library
        {
            Id = Guid.NewGuid(),
            Name = name.Trim(),
            OwnerId = ownerId,
            Ceiling = MarkingStorage.ToStorage(ceiling),
            CreatedUtc = _time.GetUtcNow(),
            Units = [.. units.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).Select(u => new LibraryUnit { Unit = u })],
        };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Libraries.AnyAsync(l => l.Name == library.Name, cancellationToken))
        {
            throw new LibraryNameTakenException(library.Name);
        }

        db.Libraries.Add(library);
        await db.SaveChangesAsync(cancellationToken);
        LogLibraryCreated(logger, library.Id, library.Name, ownerId);
        return ToSummary(library, 0);
    }

    /// <summary>The libraries an actor may see: those they may search (owner or member unit); administrators see all.</summary>
    public Task<IReadOnlyList<LibrarySummary>> ListLibrariesAsync(WorkbenchActor actor, CancellationToken cancellationToken) =>
        ListAsync(actor ?? throw new ArgumentNullException(nameof(actor)), actor.IsAdministrator, cancellationToken);

    /// <summary>The libraries an actor may search (owner or member unit), administrators included: what chat can be grounded in.</summary>
    public Task<IReadOnlyList<LibrarySummary>> ListSearchableAsync(WorkbenchActor actor, CancellationToken cancellationToken) =>
        ListAsync(actor ?? throw new ArgumentNullException(nameof(actor)), all: false, cancellationToken);

    private async Task<IReadOnlyList<LibrarySummary>> ListAsync(WorkbenchActor actor, bool all, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var libraries = await db.Libraries.AsNoTracking().Include(l => l.Units)
            .Where(l => all || l.OwnerId == actor.UserId || l.Units.Any(u => u.Unit == actor.Unit))
            .OrderBy(l => l.Name)
            .Select(l => new
            {
                Library = l,
                Count = l.Documents.Count,
                Indexing = l.Documents.Count(d => db.Set<RetrievalDocument>().Any(r => r.DocumentId == d.DocumentId && r.Status == RetrievalDocumentStatus.Indexing)),
            })
            .ToListAsync(cancellationToken);
        return [.. libraries.Select(l => ToSummary(l.Library, l.Count, l.Indexing))];
    }

    /// <summary>
    /// Adds a document to a library and indexes it for BM25 at once (chunks stored and searchable on return). Its vectors
    /// are left to the embedding worker (<see cref="EmbedNextAsync"/>): until it is done the document is
    /// <see cref="RetrievalDocumentStatus.Indexing"/>, found by words but not yet by meaning. Only the library's owner
    /// or an administrator may add; a document above the library's ceiling is refused. A new version replaces the old chunks.
    /// </summary>
    public async Task AddDocumentAsync(Guid libraryId, IndexedDocument document, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(actor);
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await RetrievalChangeLog.BeginLoggedAsync(db, cancellationToken);
            var library = await db.Libraries.FirstOrDefaultAsync(l => l.Id == libraryId, cancellationToken) ?? throw new LibraryNotFoundException(libraryId);
            if (!actor.IsAdministrator && library.OwnerId != actor.UserId)
            {
                throw new LibraryAccessDeniedException($"Only the owner of library '{library.Name}' or an administrator may add documents to it.");
            }

            var ceiling = MarkingStorage.FromStorage(library.Ceiling);
            if (!ceiling.IsAtLeast(document.Marking))
            {
                throw new MarkingAboveCeilingException($"'{document.Title}' is marked {document.Marking}, above the ceiling of library '{library.Name}' ({ceiling}); it cannot be added.");
            }

            var index = await host.GetAsync(cancellationToken);
            var existing = await db.RetrievalDocuments.FirstOrDefaultAsync(d => d.DocumentId == document.DocumentId, cancellationToken);
            if (!await db.LibraryDocuments.AnyAsync(l => l.LibraryId == libraryId && l.DocumentId == document.DocumentId, cancellationToken))
            {
                db.LibraryDocuments.Add(new LibraryDocument { LibraryId = libraryId, DocumentId = document.DocumentId, AddedBy = actor.UserId, AddedUtc = _time.GetUtcNow() });
            }

            List<RetrievalChunk>? chunks = null;
            if (existing is null || existing.Version != document.Version)
            {
                chunks = Chunk(document);
                var status = host.Embedder is { } embedder && chunks.Any(c => embedder.Reads(c.Language)) ? RetrievalDocumentStatus.Indexing : RetrievalDocumentStatus.Ready;
                await db.Chunks.Where(c => c.DocumentId == document.DocumentId).ExecuteDeleteAsync(cancellationToken);
                if (existing is null)
                {
                    db.RetrievalDocuments.Add(new RetrievalDocument
                    {
                        DocumentId = document.DocumentId, Version = document.Version, Title = document.Title, Marking = MarkingStorage.ToStorage(document.Marking),
                        IndexedUtc = _time.GetUtcNow(), Status = status,
                    });
                }
                else
                {
                    existing.Version = document.Version;
                    existing.Title = document.Title;
                    existing.Marking = MarkingStorage.ToStorage(document.Marking);
                    existing.IndexedUtc = _time.GetUtcNow();
                    existing.Status = status;
                }

                db.Chunks.AddRange(chunks);
            }

            LogChange(db, document.DocumentId, chunks is null ? RetrievalChangeKind.Libraries : RetrievalChangeKind.Indexed);
            await db.SaveChangesAsync(cancellationToken);
            var libraries = await db.LibraryDocuments.Where(l => l.DocumentId == document.DocumentId).Select(l => l.LibraryId).ToListAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (chunks is not null)
            {
                index.AddDocument(document.DocumentId, libraries, [.. chunks.Select(c => RetrievalIndexHost.ToStored(c, document.Title, libraries))]);
                LogDocumentIndexed(logger, document.DocumentId, document.Version, chunks.Count, libraryId);
            }
            else
            {
                index.SetLibraries(document.DocumentId, libraries);
            }
        }
        finally
        {
            _writes.Release();
        }

        ChangesCommitted?.Invoke();
        IndexingChanged();
    }

    /// <summary>Removes a document from a library; when no library holds it any more its chunks are deleted.</summary>
    public async Task RemoveDocumentAsync(Guid libraryId, Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await RetrievalChangeLog.BeginLoggedAsync(db, cancellationToken);
            var library = await db.Libraries.FirstOrDefaultAsync(l => l.Id == libraryId, cancellationToken) ?? throw new LibraryNotFoundException(libraryId);
            if (!actor.IsAdministrator && library.OwnerId != actor.UserId)
            {
                throw new LibraryAccessDeniedException($"Only the owner of library '{library.Name}' or an administrator may remove documents from it.");
            }

            var index = await host.GetAsync(cancellationToken);
            await db.LibraryDocuments.Where(l => l.LibraryId == libraryId && l.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
            var libraries = await db.LibraryDocuments.Where(l => l.DocumentId == documentId).Select(l => l.LibraryId).ToListAsync(cancellationToken);
            if (libraries.Count == 0)
            {
                await db.Chunks.Where(c => c.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
                await db.RetrievalDocuments.Where(d => d.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
            }

            LogChange(db, documentId, libraries.Count == 0 ? RetrievalChangeKind.Removed : RetrievalChangeKind.Libraries);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (libraries.Count == 0)
            {
                index.RemoveDocument(documentId);
            }
            else
            {
                index.SetLibraries(documentId, libraries);
            }
        }
        finally
        {
            _writes.Release();
        }

        // The library's document (and indexing) counts changed: pages showing them read them again.
        IndexingChanged();
        ChangesCommitted?.Invoke();
    }

    /// <summary>Searches the libraries the user may search (optionally narrowed by the request), over the chunks they may see.</summary>
    public async Task<SearchResults> SearchAsync(WorkbenchActor principal, SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(request);
        var clock = PhaseClock.Start();
        var index = await host.GetAsync(cancellationToken);
        var indexMs = clock.Lap();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var member = await db.Libraries.AsNoTracking()
            .Where(l => l.OwnerId == principal.UserId || l.Units.Any(u => u.Unit == principal.Unit))
            .Select(l => l.Id).ToListAsync(cancellationToken);
        var librariesMs = clock.Lap();
        var libraries = member.Where(id => request.Libraries is null || request.Libraries.Contains(id)).ToHashSet();
        var language = TextLanguage.Detect(request.Query);
        ReadOnlyMemory<float>? vector = null;
        if (request.Mode != RetrievalMode.Bm25 && host.Embedder is { } profile && profile.Reads(language) && host.Generator is { } generator && libraries.Count > 0)
        {
            vector = (await generator.GenerateAsync([request.Query], cancellationToken: cancellationToken))[0].Vector;
        }
        var embedMs = clock.Lap();

        var results = index.Search(new AccessScope(principal.Authorization, libraries), request.Query, vector, Math.Clamp(request.Top, 1, 100), request.Mode);
        if (clock.Elapsed > SlowSearch)
        {
            LogSlowSearch(logger, clock.Elapsed.TotalSeconds, indexMs, librariesMs, embedMs, clock.Lap());
        }
        return results;
    }

    /// <summary>A search slower than this logs where its time went.</summary>
    internal static readonly TimeSpan SlowSearch = TimeSpan.FromSeconds(2);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A search took {Seconds:F1} s: index ready {IndexMs:F0} ms, libraries read {LibrariesMs:F0} ms, query embedded {EmbedMs:F0} ms, ranked {RankMs:F0} ms")]
    private static partial void LogSlowSearch(ILogger logger, double seconds, double indexMs, double librariesMs, double embedMs, double rankMs);

    private List<RetrievalChunk> Chunk(IndexedDocument document)
    {
        var chunker = new TextChunker(options.Value.ChunkWords, Math.Min(options.Value.OverlapWords, options.Value.ChunkWords - 1));
        using var analyzer = new MixedTextAnalyzer();
        var pages = document.Pages.GroupBy(p => p.Number).ToDictionary(g => g.Key, g => g.First());
        var chunks = chunker.Chunk(document).Select((c, i) => new RetrievalChunk
        {
            DocumentId = document.DocumentId,
            Version = document.Version,
            Ordinal = i,
            Page = c.Page,
            Start = c.Start,
            Length = c.Length,
            Text = c.Text,
            Marking = MarkingStorage.ToStorage(c.Marking),
            Language = c.Language,
            Tokens = analyzer.Analyze(c.Text).Count,
            Ocr = pages.GetValueOrDefault(c.Page)?.Ocr ?? false,
            OcrConfidence = pages.GetValueOrDefault(c.Page)?.OcrConfidence,
        }).ToList();
        return chunks;
    }

    private static LibrarySummary ToSummary(Library library, int documents, int indexing = 0) =>
        new(library.Id, library.Name, library.OwnerId, MarkingStorage.FromStorage(library.Ceiling), [.. library.Units.Select(u => u.Unit).Order(StringComparer.Ordinal)], documents, indexing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Library {LibraryId} '{Name}' created by {OwnerId}")]
    private static partial void LogLibraryCreated(ILogger logger, Guid libraryId, string name, string ownerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {DocumentId} v{Version} indexed: {Chunks} chunks (library {LibraryId})")]
    private static partial void LogDocumentIndexed(ILogger logger, Guid documentId, int version, int chunks, Guid libraryId);
}
