using AxWorkbench.Core.Actors;
using System.Security.Cryptography;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Worker;
using AxWorkbench.Core.Markings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Documents;

/// <summary>The upload cannot be accepted (marking above the uploader's clearance, size, quota); the message says why.</summary>
public sealed class DocumentRefusedException(string message) : Exception(message);

/// <summary>No document with this id exists (it may have been deleted).</summary>
public sealed class DocumentNotFoundException(Guid id) : Exception($"Document {id} does not exist or was deleted.")
{
    public Guid DocumentId { get; } = id;
}

/// <summary>The outcome of one import: the stored record (ready, or failed with its reason).</summary>
public sealed record ImportResult(DocumentRecord Document)
{
    public bool Succeeded => Document.Status == DocumentStatus.Ready;
}

/// <summary>
/// Stores originals content-addressed by SHA-256 under {data}/documents/originals, parses them in the worker
/// process (see <see cref="ParseStoredAsync"/>), refuses text marked above the declared marking (naming page and mark) and keeps pages for the reader.
/// </summary>
public sealed partial class DocumentLibrary(
    IDbContextFactory<WorkbenchDbContext> contextFactory,
    ParserWorkerClient worker,
    IOptions<DocumentOptions> options,
    IOptions<DataOptions> dataOptions,
    IHostEnvironment environment,
    IMarkingScheme scheme,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<DocumentLibrary> logger,
    IDocumentRemoval? removal = null)
{
    /// <summary>Data:DocumentsDirectory, or the data folder's documents/ when it is not set.</summary>
    private string DocumentsDirectory => dataOptions.Value.ResolveDocumentsDirectory(environment.ContentRootPath);

    public string OriginalPath(string sha256) => Path.Combine(DocumentsDirectory, "originals", sha256[..2], sha256);

    /// <summary>
    /// Stores and parses one upload (the operator's bulk import; the web page stores with <see cref="StoreAsync"/> and
    /// parses in the background through <see cref="DocumentJobs"/>). Throws <see cref="DocumentRefusedException"/> before
    /// storing anything when the declared marking exceeds the uploader's clearance or a limit is passed; a file that cannot
    /// be read or carries a higher marking is kept as a failed document whose <see cref="DocumentRecord.FailureReason"/> says why.
    /// </summary>
    public async Task<ImportResult> ImportAsync(
        Stream content, string fileName, Marking declared, UserAuthorization uploaderAuthorization, string uploader,
        string? library = null, IProgress<DocumentStatus>? progress = null, WorkbenchActor? actor = null, CancellationToken cancellationToken = default)
    {
        actor ??= new WorkbenchActor(uploader, uploader, [], uploaderAuthorization);
        var record = await StoreAsync(content, fileName, declared, uploaderAuthorization, uploader, actor, library, cancellationToken);
        progress?.Report(DocumentStatus.Parsing);
        var parsed = await ParseStoredAsync(record.Id, actor, cancellationToken);
        progress?.Report(parsed.Status);
        return new ImportResult(parsed);
    }

    /// <summary>
    /// Stores the original (content-addressed) and records the document with status <see cref="DocumentStatus.Parsing"/>;
    /// nothing is parsed here. The upload is audited with its declared marking; a refusal is audited as denied.
    /// </summary>
    public async Task<DocumentRecord> StoreAsync(
        Stream content, string fileName, Marking declared, UserAuthorization uploaderAuthorization, string uploader,
        WorkbenchActor actor, string? library = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(uploaderAuthorization);
        ArgumentNullException.ThrowIfNull(actor);
        var name = SafeName(fileName);
        string? sha256 = null;
        var createdOriginal = false;
        try
        {
            if (!Access.Dominates(uploaderAuthorization, declared))
            {
                throw new DocumentRefusedException(
                    $"The declared marking {scheme.FormatBanner(declared)} is above your clearance; you may only upload documents you are cleared to read.");
            }

            (sha256, var size, createdOriginal) = await StoreOriginalAsync(content, cancellationToken);
            await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
            {
                var used = await db.Documents.Where(d => d.Uploader == uploader && d.DeletedAt == null).SumAsync(d => d.SizeBytes, cancellationToken);
                if (used + size > (long)options.Value.QuotaMegabytesPerUser * 1024 * 1024)
                {
                    throw new DocumentRefusedException(
                        $"This upload would take {uploader} past the quota of {options.Value.QuotaMegabytesPerUser:N0} MB (Documents:QuotaMegabytesPerUser). Delete documents or ask an operator.");
                }
            }

            var record = new DocumentRecord
            {
                Id = Guid.NewGuid(),
                FileName = name,
                Sha256 = sha256,
                SizeBytes = size,
                Marking = MarkingStorage.ToStorage(declared),
                Status = DocumentStatus.Parsing,
                Uploader = uploader,
                Library = library,
                CreatedAt = clock.GetUtcNow(),
            };
            await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Upload, record.Id.ToString(), details: new { fileName = name, sha256, size, library }) with { Marking = declared }, cancellationToken);
            await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
            {
                db.Documents.Add(record);
                await db.SaveChangesAsync(cancellationToken);
            }
            return record;
        }
        catch (DocumentRefusedException ex)
        {
            await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Upload, null, AuditOutcomes.Denied, new { fileName = name, reason = ex.Message }) with { Marking = declared }, CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (StorageFullException.IsDiskFull(ex) && ex is not StorageFullException)
        {
            // Nothing half-kept: an original this upload wrote, that no document row names, goes again.
            if (createdOriginal && sha256 is not null)
            {
                await DeleteUnreferencedOriginalAsync(sha256);
            }
            throw StorageFullException.For("The upload", dataOptions.Value.ResolveDataDirectory(environment.ContentRootPath), ex);
        }
        catch (Exception ex) when (DatabaseUnavailableException.IsUnreachable(ex) && ex is not DatabaseUnavailableException)
        {
            // No document row was written; the original (content-addressed) is kept for the next try.
            throw DatabaseUnavailableException.For(dataOptions.Value.ResolveConnectionString(environment.ContentRootPath), ex);
        }
    }

    private async Task DeleteUnreferencedOriginalAsync(string sha256)
    {
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(CancellationToken.None);
            if (!await db.Documents.AnyAsync(d => d.Sha256 == sha256, CancellationToken.None))
            {
                File.Delete(OriginalPath(sha256));
            }
        }
        catch (Exception ex) when (ex is IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            LogOrphanKept(logger, OriginalPath(sha256), ex.Message);
        }
    }

    /// <summary>
    /// Parses a stored document in the worker process and sets it ready (with its pages) or failed (with the reason,
    /// audited as a failed upload). A document that is not waiting to be parsed is returned as it is.
    /// </summary>
    public async Task<DocumentRecord> ParseStoredAsync(Guid documentId, WorkbenchActor actor, CancellationToken cancellationToken = default, IProgress<ParseProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        DocumentRecord? record;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            record = await db.Documents.AsNoTracking().FirstOrDefaultAsync(d => d.Id == documentId, cancellationToken);
        }
        if (record is null)
        {
            throw new DocumentNotFoundException(documentId);
        }
        if (record.Status != DocumentStatus.Parsing || record.DeletedAt is not null)
        {
            return record;
        }

        string? failure = null;
        ParsedDocument? parsed = null;
        try
        {
            parsed = await worker.ParseAsync(OriginalPath(record.Sha256), cancellationToken, progress: progress);
            failure = CheckSize(parsed.Format, record.SizeBytes) ?? CheckMarking(parsed, MarkingStorage.FromStorage(record.Marking));
        }
        catch (DocumentRejectedException ex)
        {
            failure = ex.Message;
        }

        await using (var db = await contextFactory.CreateDbContextAsync(CancellationToken.None))
        {
            db.Attach(record);
            record.Kind = parsed?.Format.ToString();
            record.ParsedAt = clock.GetUtcNow();
            if (failure is null && parsed is not null)
            {
                record.Status = DocumentStatus.Ready;
                record.PageCount = parsed.Pages.Count;
                db.DocumentPages.AddRange(parsed.Pages.Select(p => new DocumentPage { DocumentId = record.Id, Number = p.Number, Text = p.Text, Source = p.Source, Confidence = p.Confidence }));
                LogImported(logger, record.FileName, record.Id, record.PageCount, record.Uploader);
            }
            else
            {
                record.Status = DocumentStatus.Failed;
                record.FailureReason = failure;
                LogRefused(logger, record.FileName, record.Id, record.Uploader, failure ?? "");
            }
            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
            }
            catch (DbUpdateException)
            {
                // Another parse of the same document finished first (the jobs' recovery queue picks up every document
                // still parsing, on this node or another, and an import parses its own): its pages and status were
                // saved together, so they stand and this one's are dropped. Anything else is rethrown.
                await using var again = await contextFactory.CreateDbContextAsync(CancellationToken.None);
                var stored = await again.Documents.AsNoTracking().FirstOrDefaultAsync(d => d.Id == documentId, CancellationToken.None);
                if (stored is null || stored.Status == DocumentStatus.Parsing)
                {
                    throw;
                }

                return stored;
            }
        }
        if (record.Status == DocumentStatus.Failed)
        {
            await audit.WriteAsync(AuditEvent.For(actor, AuditActions.Upload, record.Id.ToString(), AuditOutcomes.Failure,
                new { fileName = record.FileName, stage = "parse", reason = failure }) with { Marking = MarkingStorage.FromStorage(record.Marking) }, CancellationToken.None);
        }
        return record;
    }

    /// <summary>Ids of documents stored but not yet parsed (after a restart, their parsing is queued again).</summary>
    public async Task<IReadOnlyList<(Guid Id, string Uploader)>> PendingParsesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var pending = await db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Parsing && d.DeletedAt == null)
            .OrderBy(d => d.CreatedAt).Select(d => new { d.Id, d.Uploader }).ToListAsync(cancellationToken);
        return pending.Select(p => (p.Id, p.Uploader)).ToList();
    }

    /// <summary>Documents the user may see (their marking dominated), newest first; deleted ones are hidden.</summary>
    public async Task<IReadOnlyList<DocumentRecord>> ListAsync(UserAuthorization user, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var all = await db.Documents.AsNoTracking().Where(d => d.DeletedAt == null).OrderByDescending(d => d.CreatedAt).ToListAsync(cancellationToken);
        return all.Where(d => Access.Dominates(user, MarkingStorage.FromStorage(d.Marking))).ToList();
    }

    /// <summary>The document with its pages, or null when it does not exist, was deleted or the user may not see it.</summary>
    public async Task<DocumentRecord?> GetAsync(Guid id, UserAuthorization user, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.Documents.AsNoTracking().Include(d => d.Pages.OrderBy(p => p.Number)).FirstOrDefaultAsync(d => d.Id == id && d.DeletedAt == null, cancellationToken);
        return document is not null && Access.Dominates(user, MarkingStorage.FromStorage(document.Marking)) ? document : null;
    }

    /// <summary>
    /// Soft-deletes a document: hidden everywhere from now on (search on every node too: see <see cref="IDocumentRemoval"/>),
    /// the record and the original kept for the audit trail.
    /// Only its uploader or an administrator may delete it (<see cref="DocumentRefusedException"/> otherwise); the
    /// deletion is audited before it is made. Returns false when the document does not exist or the user may not see it.
    /// </summary>
    public async Task<bool> DeleteAsync(Guid id, UserAuthorization user, string deletedBy, bool isAdministrator, WorkbenchActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.Documents.FirstOrDefaultAsync(d => d.Id == id && d.DeletedAt == null, cancellationToken);
        if (document is null || !Access.Dominates(user, MarkingStorage.FromStorage(document.Marking)))
        {
            return false;
        }
        var marking = MarkingStorage.FromStorage(document.Marking);
        var auditEvent = AuditEvent.For(actor, AuditActions.DocumentDeleted, document.Id.ToString(), details: new { fileName = document.FileName, uploader = document.Uploader }) with { Marking = marking };
        if (!isAdministrator && !string.Equals(document.Uploader, deletedBy, StringComparison.Ordinal))
        {
            await audit.WriteAsync(auditEvent with { Outcome = AuditOutcomes.Denied }, cancellationToken);
            throw new DocumentRefusedException($"Only the uploader ({document.Uploader}) or an administrator may delete {document.FileName}.");
        }
        await audit.RunAuditedAsync(auditEvent, async ct =>
        {
            var deletedAt = clock.GetUtcNow();
            if (removal is null)
            {
                document.DeletedAt = deletedAt;
                document.DeletedBy = deletedBy;
                await db.SaveChangesAsync(ct);
                return;
            }
            // With retrieval: the soft delete, the chunks and library membership, and the change every node follows, in one transaction.
            await removal.RemoveAsync(id, async (tx, c) =>
            {
                var row = await tx.Documents.FirstAsync(d => d.Id == id, c);
                row.DeletedAt = deletedAt;
                row.DeletedBy = deletedBy;
            }, ct);
        }, cancellationToken);
        LogDeleted(logger, document.FileName, document.Id, deletedBy);
        return true;
    }

    private async Task<(string Sha256, long Size, bool Created)> StoreOriginalAsync(Stream content, CancellationToken cancellationToken)
    {
        var incoming = Path.Combine(DocumentsDirectory, "incoming");
        Directory.CreateDirectory(incoming);
        var temp = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        var max = (long)options.Value.MaxUploadMegabytes * 1024 * 1024;
        string sha256;
        long size = 0;
        var created = false;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > max)
                    {
                        throw new DocumentRefusedException(
                            $"The file is larger than {options.Value.MaxUploadMegabytes:N0} MB (Documents:MaxUploadMegabytes).");
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            var target = OriginalPath(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target))
            {
                File.Delete(temp);
            }
            else
            {
                File.Move(temp, target);
                created = true;
            }
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return (sha256, size, created);
    }

    private string? CheckSize(DocumentKind kind, long size) =>
        options.Value.MaxMegabytesByFormat.TryGetValue(kind.ToString(), out var megabytes) && size > (long)megabytes * 1024 * 1024
            ? $"{kind} files may be at most {megabytes:N0} MB (Documents:MaxMegabytesByFormat:{kind}); this one is {size / (1024.0 * 1024):N1} MB."
            : null;

    private string? CheckMarking(ParsedDocument parsed, Marking declared)
    {
        var marks = MarkingDetector.Detect(parsed.Pages);
        return MarkingDetector.FirstAbove(marks, declared) is { } above
            ? $"Page {above.Page} carries the marking '{above.Found}' ({scheme.FormatBanner(above.Marking)}), above the declared {scheme.FormatBanner(declared)}. Declare the document's true marking."
            : null;
    }

    private static string SafeName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        name = new string(name.Select(c => char.IsControl(c) ? '_' : c).ToArray()).Trim();
        return name.Length switch
        {
            0 => "document",
            > 200 => name[..200],
            _ => name,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {FileName} as {DocumentId} ({Pages} pages) for {Uploader}")]
    private static partial void LogImported(ILogger logger, string fileName, Guid documentId, int pages, string uploader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {FileName} ({DocumentId}) from {Uploader}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string fileName, Guid documentId, string uploader, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A refused upload's original {Path} could not be removed: {Reason}")]
    private static partial void LogOrphanKept(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AUDIT document deleted: {FileName} ({DocumentId}) by {DeletedBy}")]
    private static partial void LogDeleted(ILogger logger, string fileName, Guid documentId, string deletedBy);
}
