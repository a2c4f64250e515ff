using System.Globalization;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Backup;

/// <summary>The outcome of <see cref="WorkbenchBackup.BackupAsync"/>.</summary>
public sealed record BackupResult(string Folder, BackupManifest Manifest, AuditVerdict Audit);

/// <summary>The outcome of <see cref="WorkbenchBackup.VerifyAsync"/>: empty <see cref="Problems"/> means intact.</summary>
public sealed record BackupVerdict(IReadOnlyList<string> Problems, BackupManifest Manifest, AuditVerdict? Audit)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Backup, verification and restore of a data folder while the workbench runs. A backup folder holds
/// <c>manifest.json</c>, <c>data/</c> (laid out as a data folder: the database snapshot, the audit checkpoints, the
/// documents' originals, the Data Protection keys) and <c>settings/</c> (the install's appsettings files, for the
/// operator; restore does not overwrite an install's settings). The retrieval index and models are not copied: the
/// index is rebuilt from the database at start; models are large, re-provisioned, and listed in the manifest.
/// </summary>
public sealed partial class WorkbenchBackup(
    IEnumerable<IDatabaseBackup> providers,
    IOptions<DataOptions> data,
    IOptions<AuditOptions> auditOptions,
    IHostEnvironment environment,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<WorkbenchBackup> logger)
{
    public const string DataFolder = "data";
    public const string SettingsFolder = "settings";

    private string DataDirectory => data.Value.ResolveDataDirectory(environment.ContentRootPath);

    public IDatabaseBackup Database =>
        providers.FirstOrDefault(p => string.Equals(p.Provider, data.Value.Provider, StringComparison.OrdinalIgnoreCase))
        ?? throw new BackupException($"No backup support for Data:Provider '{data.Value.Provider}'.");

    /// <summary>Backs the running workbench up into <paramref name="folder"/>, which must be empty or absent. Audited.</summary>
    public async Task<BackupResult> BackupAsync(string folder, WorkbenchActor actor, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        RequireEmpty(folder, "backup folder");
        var source = DataDirectory;
        if (IsInside(folder, source))
        {
            throw new BackupException($"The backup folder '{folder}' is inside the data folder '{source}'; choose a folder on another volume.");
        }
        var auditEvent = AuditEvent.For(actor, AuditActions.Backup, folder, details: new { folder, dataDirectory = source, provider = Database.Provider });
        return await audit.RunAuditedAsync(auditEvent, ct => WriteBackupAsync(folder, source, ct), cancellationToken);
    }

    private async Task<BackupResult> WriteBackupAsync(string folder, string source, CancellationToken cancellationToken)
    {
        var target = Path.Combine(folder, DataFolder);
        Directory.CreateDirectory(target);
        var files = new List<BackupFile>();

        // Checkpoints first: every checkpoint copied then names a record the database snapshot (taken after) holds.
        var checkpoints = Path.Combine(target, AuditOptions.DefaultCheckpointFileName);
        var liveCheckpoints = auditOptions.Value.ResolveCheckpointPath(data.Value, environment.ContentRootPath);
        await CopyCompleteLinesAsync(liveCheckpoints, checkpoints, cancellationToken);

        var databaseFiles = await Database.SnapshotAsync(target, cancellationToken);
        var contents = await Database.ReadAsync(target, checkpoints, cancellationToken);

        foreach (var file in databaseFiles)
        {
            files.Add(await DescribeAsync(folder, Path.Combine(target, file), "database", cancellationToken));
        }
        files.Add(await DescribeAsync(folder, checkpoints, "checkpoints", cancellationToken));

        foreach (var sha in contents.Documents.Select(d => d.Sha256).Distinct(StringComparer.Ordinal))
        {
            var relative = OriginalRelativePath(sha);
            // Data:DocumentsDirectory (shared by several nodes) or the data folder's documents/; the backup's layout is the same.
            var live = Path.Combine(data.Value.ResolveDocumentsDirectory(environment.ContentRootPath), Path.GetRelativePath("documents", relative));
            if (!File.Exists(live))
            {
                var names = string.Join(", ", contents.Documents.Where(d => d.Sha256 == sha).Select(d => $"'{d.FileName}' ({d.Id})"));
                throw new BackupException($"The original of {names} is missing from the data folder ('{live}'): the data folder is damaged; run `backup` again after restoring it.");
            }
            var copy = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(live, copy);
            var described = await DescribeAsync(folder, copy, OriginalKind, cancellationToken);
            if (!string.Equals(described.Sha256, sha, StringComparison.Ordinal))
            {
                throw new BackupException($"The original '{live}' no longer matches its SHA-256 {sha} (it hashes to {described.Sha256}): the data folder is damaged.");
            }
            files.Add(described);
        }

        var keys = Path.Combine(source, "keys");
        if (Directory.Exists(keys))
        {
            Directory.CreateDirectory(Path.Combine(target, "keys"));
            foreach (var key in Directory.EnumerateFiles(keys))
            {
                var copy = Path.Combine(target, "keys", Path.GetFileName(key));
                File.Copy(key, copy);
                files.Add(await DescribeAsync(folder, copy, "key", cancellationToken));
            }
        }

        var settings = Path.Combine(folder, SettingsFolder);
        Directory.CreateDirectory(settings);
        foreach (var file in Directory.EnumerateFiles(environment.ContentRootPath, "appsettings*.json"))
        {
            var copy = Path.Combine(settings, Path.GetFileName(file));
            File.Copy(file, copy);
            files.Add(await DescribeAsync(folder, copy, "settings", cancellationToken));
        }

        var manifest = new BackupManifest
        {
            CreatedUtc = clock.GetUtcNow(),
            Provider = Database.Provider,
            SourceDataDirectory = source,
            MachineName = Environment.MachineName,
            DatabaseFiles = [.. databaseFiles.Select(f => $"{DataFolder}/{f}")],
            RowCounts = contents.RowCounts,
            AuditLastSequence = contents.Audit.RecordsChecked,
            Files = files,
            NotCopied = Omissions(source, databaseFiles),
        };
        // The manifest comes last: a folder without one is an interrupted backup, and verify and restore refuse it.
        await manifest.WriteAsync(folder, cancellationToken);
        LogBackedUp(logger, source, folder, files.Count, contents.Audit.RecordsChecked);
        return new BackupResult(folder, manifest, contents.Audit);
    }

    /// <summary>Checks a backup folder without changing it: every file against the manifest, the database's row counts, every document's original against the SHA-256 the database records, and the audit chain against the checkpoints.</summary>
    public async Task<BackupVerdict> VerifyAsync(string folder, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        var manifest = await BackupManifest.ReadAsync(folder, cancellationToken);
        var problems = new List<string>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            listed.Add(file.Path);
            var path = Path.Combine(folder, file.Path);
            if (!File.Exists(path))
            {
                problems.Add($"{file.Path}: missing (the manifest lists it, {file.Size} bytes).");
                continue;
            }
            var sha = await BackupManifest.Sha256Async(path, cancellationToken);
            if (!string.Equals(sha, file.Sha256, StringComparison.Ordinal))
            {
                problems.Add($"{file.Path}: SHA-256 is {sha}, the manifest says {file.Sha256} (the file was changed).");
            }
        }
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/');
            if (relative != BackupManifest.FileName && !listed.Contains(relative))
            {
                problems.Add($"{relative}: not in the manifest (added after the backup was made).");
            }
        }

        var target = Path.Combine(folder, DataFolder);
        SnapshotContents contents;
        try
        {
            contents = await Database.ReadAsync(target, Path.Combine(target, AuditOptions.DefaultCheckpointFileName), cancellationToken);
        }
        catch (Exception ex) when (ex is BackupException or AuditVerificationException)
        {
            problems.Add($"database: {ex.Message}");
            return new BackupVerdict(problems, manifest, null);
        }

        foreach (var (table, expected) in manifest.RowCounts)
        {
            if (!contents.RowCounts.TryGetValue(table, out var actual))
            {
                problems.Add($"table {table}: missing from the database (the manifest says {expected} rows).");
            }
            else if (actual != expected)
            {
                problems.Add($"table {table}: {actual} rows, the manifest says {expected} ({(actual < expected ? "rows were deleted" : "rows were added")}).");
            }
        }
        foreach (var table in contents.RowCounts.Keys.Where(t => !manifest.RowCounts.ContainsKey(t)))
        {
            problems.Add($"table {table}: not in the manifest (added after the backup was made).");
        }

        foreach (var document in contents.Documents)
        {
            var relative = $"{DataFolder}/{OriginalRelativePath(document.Sha256).Replace(Path.DirectorySeparatorChar, '/')}";
            var path = Path.Combine(folder, relative);
            if (!File.Exists(path))
            {
                problems.Add($"document '{document.FileName}' ({document.Id}): its original {relative} is missing.");
                continue;
            }
            var sha = await BackupManifest.Sha256Async(path, cancellationToken);
            if (!string.Equals(sha, document.Sha256, StringComparison.Ordinal))
            {
                problems.Add($"document '{document.FileName}' ({document.Id}): its original {relative} has SHA-256 {sha}, the database says {document.Sha256}.");
            }
        }

        if (!contents.Audit.IsValid)
        {
            var where = contents.Audit.FirstBadSequence is { } first ? string.Create(CultureInfo.InvariantCulture, $" (first bad sequence {first})") : "";
            problems.Add($"audit chain{where}: {contents.Audit.Message}");
        }
        else if (contents.Audit.RecordsChecked != manifest.AuditLastSequence)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"audit chain: ends at record {contents.Audit.RecordsChecked}, the manifest says {manifest.AuditLastSequence}."));
        }
        return new BackupVerdict(problems, manifest, contents.Audit);
    }

    /// <summary>
    /// Copies the backup's data folder into <paramref name="dataDirectory"/>, which must be empty or absent; the
    /// backup is verified first and a damaged one is refused with what is wrong. Nothing is audited here (the restored
    /// database is not open yet): the caller records the restore with <see cref="AuditRestoreAsync"/> once it is.
    /// </summary>
    public async Task<BackupVerdict> RestoreFilesAsync(string folder, string dataDirectory, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        dataDirectory = Path.GetFullPath(dataDirectory);
        RequireEmpty(dataDirectory, "data folder to restore into");
        var verdict = await VerifyAsync(folder, cancellationToken);
        if (!verdict.IsValid)
        {
            throw new BackupException($"The backup '{folder}' fails verification; nothing was restored:\n  " + string.Join("\n  ", verdict.Problems));
        }
        // Originals go where this install keeps them: Data:DocumentsDirectory when set (a folder several nodes share,
        // which may already hold some of them: content-addressed, so an equal file is kept and a different one refused
        // before anything is written), else the restored data folder's documents/.
        var documents = DocumentsDirectoryFor(dataDirectory);
        var originals = verdict.Manifest.Files.Where(f => f.Kind == OriginalKind).Select(f => (File: f, Target: OriginalTarget(documents, f))).ToList();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, target) in originals.Where(o => File.Exists(o.Target)))
        {
            var sha = await BackupManifest.Sha256Async(target, cancellationToken);
            if (!string.Equals(sha, file.Sha256, StringComparison.Ordinal))
            {
                throw new BackupException(
                    $"The documents folder '{documents}' already holds '{target}' with SHA-256 {sha}, but the backup's original there is {file.Sha256}: " +
                    "that folder is damaged or belongs to another install; nothing was restored.");
            }
            present.Add(target);
        }

        Directory.CreateDirectory(dataDirectory);
        var source = Path.Combine(folder, DataFolder);
        var databaseFiles = verdict.Manifest.DatabaseFiles.ToHashSet(StringComparer.Ordinal);
        await Database.RestoreAsync(source, dataDirectory, cancellationToken);
        foreach (var file in verdict.Manifest.Files.Where(f => f.Path.StartsWith(DataFolder + "/", StringComparison.Ordinal) && !databaseFiles.Contains(f.Path) && f.Kind != OriginalKind))
        {
            var copy = Path.Combine(dataDirectory, file.Path[(DataFolder.Length + 1)..]);
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(Path.Combine(folder, file.Path), copy);
        }
        foreach (var (file, target) in originals.Where(o => !present.Contains(o.Target)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(folder, file.Path), target);
        }
        LogRestored(logger, folder, dataDirectory, verdict.Manifest.Files.Count);
        return verdict;
    }

    private const string OriginalKind = "original";

    /// <summary>The documents folder a restore into <paramref name="dataDirectory"/> fills: Data:DocumentsDirectory when set, else its documents/.</summary>
    public string DocumentsDirectoryFor(string dataDirectory) =>
        data.Value.DocumentsInDataDirectory ? Path.Combine(Path.GetFullPath(dataDirectory), "documents") : data.Value.ResolveDocumentsDirectory(environment.ContentRootPath);

    private static string OriginalTarget(string documents, BackupFile file)
    {
        // "data/documents/originals/ab/abcd…" in the backup → "{documents}/originals/ab/abcd…".
        var prefix = DataFolder + "/documents/";
        if (!file.Path.StartsWith(prefix, StringComparison.Ordinal) || file.Path.Contains("..", StringComparison.Ordinal))
        {
            throw new BackupException($"The backup's manifest names an original at '{file.Path}', outside {prefix}: the manifest is damaged; nothing was restored.");
        }

        return Path.Combine(documents, file.Path[prefix.Length..].Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>Records a restore in the restored database's audit log (this service must be bound to the restored data folder).</summary>
    public Task AuditRestoreAsync(string folder, BackupManifest manifest, WorkbenchActor actor, CancellationToken cancellationToken) =>
        audit.WriteAsync(AuditEvent.For(actor, AuditActions.Restore, Path.GetFullPath(folder), details: new
        {
            folder = Path.GetFullPath(folder), dataDirectory = DataDirectory, backupCreatedUtc = manifest.CreatedUtc, sourceDataDirectory = manifest.SourceDataDirectory,
        }), cancellationToken);

    /// <summary>Where the documents feature keeps an original, relative to the data folder (content-addressed).</summary>
    public static string OriginalRelativePath(string sha256) => Path.Combine("documents", "originals", sha256[..2], sha256);

    private static void RequireEmpty(string folder, string what)
    {
        if (File.Exists(folder))
        {
            throw new BackupException($"The {what} '{folder}' is a file; give a folder that is empty or does not exist yet.");
        }
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new BackupException($"The {what} '{folder}' is not empty; give a folder that is empty or does not exist yet (nothing is overwritten).");
        }
    }

    private static bool IsInside(string folder, string parent)
    {
        var relative = Path.GetRelativePath(parent, folder);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }

    private static async Task<BackupFile> DescribeAsync(string folder, string path, string kind, CancellationToken cancellationToken) =>
        new(Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/'), kind, new FileInfo(path).Length,
            await BackupManifest.Sha256Async(path, cancellationToken));

    /// <summary>Copies the checkpoint file up to its last complete line (a checkpoint being appended right now is left for the next backup).</summary>
    private static async Task CopyCompleteLinesAsync(string source, string target, CancellationToken cancellationToken)
    {
        byte[] bytes = [];
        if (File.Exists(source))
        {
            await using var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
        }
        var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        await using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        await output.WriteAsync(bytes.AsMemory(0, end), cancellationToken);
    }

    private static List<BackupOmission> Omissions(string source, IReadOnlyList<string> databaseFiles)
    {
        var copied = new HashSet<string>(["documents", "keys", AuditOptions.DefaultCheckpointFileName, .. databaseFiles], StringComparer.Ordinal);
        var omissions = new List<BackupOmission>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(source).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            if (copied.Contains(name) || databaseFiles.Any(f => name.StartsWith(f + "-", StringComparison.Ordinal)))
            {
                continue;
            }
            omissions.Add(new BackupOmission(name, name switch
            {
                "models" => "models are large and re-provisioned from the install media; the fixture model is written at start: "
                    + string.Join(", ", Directory.EnumerateFiles(entry).Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} bytes)")),
                "retrieval-index" => "the retrieval index is rebuilt from the database at start (Retrieval:IndexDirectory)",
                _ => "not part of the workbench's durable state",
            }));
        }
        var incoming = Path.Combine(source, "documents", "incoming");
        if (Directory.Exists(incoming))
        {
            omissions.Add(new BackupOmission("documents/incoming", "uploads still being received; not acknowledged yet"));
        }
        return omissions;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AUDIT backup of {DataDirectory} written to {Folder}: {Files} files, audit chain of {Records} records")]
    private static partial void LogBackedUp(ILogger logger, string dataDirectory, string folder, int files, long records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backup {Folder} restored into {DataDirectory}: {Files} files")]
    private static partial void LogRestored(ILogger logger, string folder, string dataDirectory, int files);
}
