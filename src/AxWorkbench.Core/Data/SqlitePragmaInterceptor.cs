using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AxWorkbench.Core.Data;

/// <summary>
/// Sets the per-connection pragmas on every connection EF opens: durability (synchronous=FULL),
/// foreign keys, and a busy timeout. WAL is a property of the database file and is set at start.
/// </summary>
public sealed class SqlitePragmaInterceptor(int busyTimeoutSeconds) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={busyTimeoutSeconds * 1000};";

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
