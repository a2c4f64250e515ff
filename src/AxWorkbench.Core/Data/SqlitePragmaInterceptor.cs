using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AxWorkbench.Core.Data;

/// <summary>
/// Sets the per-connection pragmas on every connection EF opens: durability (synchronous=FULL),
/// foreign keys, a busy timeout and the most bytes the write-ahead log keeps after a checkpoint (see
/// <see cref="SqliteWalCheckpointer"/>). WAL is a property of the database file and is set at start.
/// </summary>
public sealed class SqlitePragmaInterceptor(int busyTimeoutSeconds, long walSizeLimitBytes = 64L * 1024 * 1024) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={busyTimeoutSeconds * 1000}; PRAGMA journal_size_limit={walSizeLimitBytes};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
