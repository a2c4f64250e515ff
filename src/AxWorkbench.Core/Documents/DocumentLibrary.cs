using System.Security.Cryptography;
using AxWorkbench.Core.Data;
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

/// <summary>The outcome of one import: the stored record (ready, or failed with its reason).</summary>
public sealed record ImportResult(DocumentRecord Document)
{
    public bool Succeeded => Document.Status == DocumentStatus.Ready;
}

/// <summary>
/// Stores originals content-addressed by SHA-256 under {data}/documents/originals, parses them in the worker
/// process, refuses text marked above the declared marking (naming page and mark) and keeps pages for the reader.
/// </summary>
public sealed partial class DocumentLibrary(
    IDbContextFactory<DocumentsDbContext> contextFactory,
    ParserWorkerClient worker,
    IOptions<DocumentOptions> options,
    IOptions<DataOptions> dataOptions,
    IHostEnvironment environment,
    IMarkingScheme scheme,
    TimeProvider clock,
    ILogger<DocumentLibrary> logger)
{
    private string DocumentsDirectory => Path.Combine(dataOptions.Value.ResolveDataDirectory(environment.ContentRootPath), "documents");

    public string OriginalPath(string sha256) => Path.Combine(DocumentsDirectory, "originals", sha256[..2], sha256);

    /// <summary>
    /// Stores and parses one upload. Throws <see cref="DocumentRefusedException"/> before storing anything when the
    /// declared marking exceeds the uploader's clearance or a limit is passed; a file that cannot be read or carries a
    /// higher marking is kept as a failed document whose <see cref="DocumentRecord.FailureReason"/> says why.
    /// </summary>
    public async Task<ImportResult> ImportAsync(
        Stream content, string fileName, Marking declared, UserAuthorization uploaderAuthorization, string uploader,
        string? library = null, IProgress<DocumentStatus>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(uploaderAuthorization);
        if (!Access.Dominates(uploaderAuthorization, declared))
        {
            throw new DocumentRefusedException(
                $"The declared marking {scheme.FormatBanner(declared)} is above your clearance; you may only upload documents you are cleared to read.");
        }

        var (sha256, size) = await StoreOriginalAsync(content, cancellationToken);
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var used = await db.Documents.Where(d => d.Uploader == uploader).SumAsync(d => d.SizeBytes, cancellationToken);
            if (used + size > (long)options.Value.QuotaMegabytesPerUser * 1024 * 1024)
            {
                throw new DocumentRefusedException(
                    $"This upload would take {uploader} past the quota of {options.Value.QuotaMegabytesPerUser:N0} MB (Documents:QuotaMegabytesPerUser). Delete documents or ask an operator.");
            }
        }

        var record = new DocumentRecord
        {
            Id = Guid.NewGuid(),
            FileName = SafeName(fileName),
            Sha256 = sha256,
            SizeBytes = size,
            Marking = MarkingStorage.ToStorage(declared),
            Status = DocumentStatus.Parsing,
            Uploader = uploader,
            Library = library,
            CreatedAt = clock.GetUtcNow(),
        };
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Documents.Add(record);
            await db.SaveChangesAsync(cancellationToken);
        }
        progress?.Report(DocumentStatus.Parsing);

        string? failure = null;
        ParsedDocument? parsed = null;
        try
        {
            parsed = await worker.ParseAsync(OriginalPath(sha256), cancellationToken);
            failure = CheckSize(parsed.Format, size) ?? CheckMarking(parsed, declared);
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
                db.DocumentPages.AddRange(parsed.Pages.Select(p => new DocumentPage { DocumentId = record.Id, Number = p.Number, Text = p.Text }));
                LogImported(logger, record.FileName, record.Id, record.PageCount, uploader);
            }
            else
            {
                record.Status = DocumentStatus.Failed;
                record.FailureReason = failure;
                LogRefused(logger, record.FileName, record.Id, uploader, failure ?? "");
            }
            await db.SaveChangesAsync(CancellationToken.None);
        }
        progress?.Report(record.Status);
        return new ImportResult(record);
    }

    /// <summary>Documents the user may see (their marking dominated), newest first.</summary>
    public async Task<IReadOnlyList<DocumentRecord>> ListAsync(UserAuthorization user, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var all = await db.Documents.AsNoTracking().OrderByDescending(d => d.CreatedAt).ToListAsync(cancellationToken);
        return all.Where(d => Access.Dominates(user, MarkingStorage.FromStorage(d.Marking))).ToList();
    }

    /// <summary>The document with its pages, or null when it does not exist or the user may not see it.</summary>
    public async Task<DocumentRecord?> GetAsync(Guid id, UserAuthorization user, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.Documents.AsNoTracking().Include(d => d.Pages.OrderBy(p => p.Number)).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        return document is not null && Access.Dominates(user, MarkingStorage.FromStorage(document.Marking)) ? document : null;
    }

    /// <summary>Deletes a document the user may see; the deletion is logged with who did it.</summary>
    public async Task<bool> DeleteAsync(Guid id, UserAuthorization user, string deletedBy, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.Documents.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (document is null || !Access.Dominates(user, MarkingStorage.FromStorage(document.Marking)))
        {
            return false;
        }
        db.Documents.Remove(document);
        await db.SaveChangesAsync(cancellationToken);
        if (!await db.Documents.AnyAsync(d => d.Sha256 == document.Sha256, cancellationToken))
        {
            File.Delete(OriginalPath(document.Sha256));
        }
        LogDeleted(logger, document.FileName, document.Id, deletedBy);
        return true;
    }

    private async Task<(string Sha256, long Size)> StoreOriginalAsync(Stream content, CancellationToken cancellationToken)
    {
        var incoming = Path.Combine(DocumentsDirectory, "incoming");
        Directory.CreateDirectory(incoming);
        var temp = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        var max = (long)options.Value.MaxUploadMegabytes * 1024 * 1024;
        string sha256;
        long size = 0;
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
            }
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return (sha256, size);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "AUDIT document deleted: {FileName} ({DocumentId}) by {DeletedBy}")]
    private static partial void LogDeleted(ILogger logger, string fileName, Guid documentId, string deletedBy);
}
