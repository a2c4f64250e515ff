using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.Core.Data;

/// <summary>
/// The data folder's disk is full: the action was refused and nothing of it was kept. The workbench goes on by itself
/// once space is freed; the message says so and where.
/// </summary>
public sealed class StorageFullException(string message, Exception? inner = null) : Exception(message, inner)
{
    private const int SqliteFull = 13;
    private const int UnixNoSpace = 28;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>True when <paramref name="exception"/> (or one it wraps) is a full disk: SQLITE_FULL, ENOSPC or Windows' disk-full errors.</summary>
    public static bool IsDiskFull(Exception? exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case StorageFullException:
                case SqliteException { SqliteErrorCode: SqliteFull }:
                case IOException { HResult: UnixNoSpace or WindowsDiskFull or WindowsHandleDiskFull }:
                    return true;
                case DbException or IOException when ex.Message.Contains("No space left on device", StringComparison.Ordinal)
                                                    || ex.Message.Contains("database or disk is full", StringComparison.Ordinal):
                    return true;
            }
        }
        return false;
    }

    /// <summary>The refusal for <paramref name="what"/> (e.g. "The upload") on a full disk under <paramref name="dataDirectory"/>.</summary>
    public static StorageFullException For(string what, string? dataDirectory, Exception inner) =>
        new($"{what} was refused: the disk of the data folder{(dataDirectory is null ? "" : $" ({dataDirectory})")} is full, and nothing of it was kept. " +
            "Ask an operator to free space on that volume; the workbench resumes by itself once there is room.", inner);
}
