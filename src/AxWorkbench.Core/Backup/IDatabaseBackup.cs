using AxWorkbench.Core.Audit;

namespace AxWorkbench.Core.Backup;

/// <summary>
/// The database side of a backup, one implementation per provider (<see cref="Provider"/> matches
/// <c>Data:Provider</c>): a consistent copy of the live database taken while the workbench runs, reading that copy
/// back for verification, and putting it in place in an empty data folder (<see cref="SqliteDatabaseBackup"/>) or an
/// empty database (<see cref="PostgresDatabaseBackup"/>, pg_dump / pg_restore).
/// </summary>
public interface IDatabaseBackup
{
    /// <summary>The <c>Data:Provider</c> value this implementation serves, e.g. "Sqlite".</summary>
    string Provider { get; }

    /// <summary>
    /// Writes a transactionally consistent copy of every workbench database (both EF contexts' tables) into
    /// <paramref name="folder"/> while the app keeps writing; returns the files written, relative to the folder.
    /// </summary>
    Task<IReadOnlyList<string>> SnapshotAsync(string folder, CancellationToken cancellationToken);

    /// <summary>Reads a snapshot written by <see cref="SnapshotAsync"/>: row counts, the documents' originals it names, and its audit chain.</summary>
    Task<SnapshotContents> ReadAsync(string folder, string checkpointPath, CancellationToken cancellationToken);

    /// <summary>Puts the snapshot in <paramref name="folder"/> in place as the database of <paramref name="dataDirectory"/> (empty).</summary>
    Task RestoreAsync(string folder, string dataDirectory, CancellationToken cancellationToken);
}

/// <summary>What a database snapshot holds, as read back from it.</summary>
public sealed record SnapshotContents(
    IReadOnlyDictionary<string, long> RowCounts,
    IReadOnlyList<SnapshotDocument> Documents,
    AuditVerdict Audit);

/// <summary>A document row of the snapshot: the SHA-256 of its original, which the backup must hold.</summary>
public sealed record SnapshotDocument(Guid Id, string FileName, string Sha256);

/// <summary>The backup cannot be made, read or restored (the message names the folder, file or setting).</summary>
public sealed class BackupException(string message, Exception? inner = null) : Exception(message, inner);
