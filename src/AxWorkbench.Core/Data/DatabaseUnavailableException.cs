using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AxWorkbench.Core.Data;

/// <summary>
/// The database cannot be reached (PostgreSQL stopped, restarting or out of the network; a SQLite file that cannot be
/// opened): the action was refused and nothing of it was kept. The message names the database and the cause; the
/// workbench reconnects by itself once the database is back (each request opens a fresh pooled connection).
/// </summary>
public sealed class DatabaseUnavailableException(string database, string cause, Exception? inner = null)
    : Exception($"{Describe(database, cause)} Nothing was saved; try again when it is back.", inner)
{
    private const int SqliteCantOpen = 14;

    /// <summary>"PostgreSQL at 127.0.0.1:5432, database axwb" or "SQLite at /srv/axwb/data/axworkbench.db".</summary>
    public string Database { get; } = database;

    /// <summary>Why it cannot be reached, e.g. "connection refused".</summary>
    public string Cause { get; } = cause;

    /// <summary>One sentence for /healthz and the log: "The database (…) cannot be reached: connection refused."</summary>
    public static string Describe(string database, string cause) => $"The database ({database}) cannot be reached: {cause}.";

    /// <summary>
    /// True when <paramref name="exception"/> (or one it wraps) says the database is away rather than that the request was
    /// wrong: a socket or I/O failure, a timeout opening a connection, PostgreSQL's connection (08…) or operator
    /// intervention (57P…: shutdown, starting up) classes, SQLite's CANTOPEN.
    /// </summary>
    public static bool IsUnreachable(Exception? exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case DatabaseUnavailableException:
                    return true;
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal);
                case NpgsqlException npgsql when npgsql.InnerException is SocketException or IOException or TimeoutException
                                                  || npgsql.Message.Contains("Exception while connecting", StringComparison.Ordinal)
                                                  || npgsql.Message.Contains("Exception while reading from stream", StringComparison.Ordinal)
                                                  || npgsql.Message.Contains("Exception while writing to stream", StringComparison.Ordinal):
                case SqliteException { SqliteErrorCode: SqliteCantOpen }:
                    return true;
            }
        }
        return false;
    }

    /// <summary>The refusal for <paramref name="inner"/> on the database <paramref name="connection"/> reaches.</summary>
    public static DatabaseUnavailableException For(DbConnection connection, Exception inner) =>
        For(connection.ConnectionString, inner);

    /// <summary>The refusal for <paramref name="inner"/> on the database <paramref name="connectionString"/> names (never its password).</summary>
    public static DatabaseUnavailableException For(string connectionString, Exception inner) =>
        inner as DatabaseUnavailableException ?? new DatabaseUnavailableException(Name(connectionString), CauseOf(inner), inner);

    /// <summary>The database a connection string names, for people: provider, server and database (or file).</summary>
    public static string Name(string connectionString)
    {
        try
        {
            if (connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase) || connectionString.Contains("Server=", StringComparison.OrdinalIgnoreCase))
            {
                var pg = new NpgsqlConnectionStringBuilder(connectionString);
                return $"PostgreSQL at {pg.Host}:{pg.Port}, database {pg.Database}";
            }
            return $"SQLite at {new SqliteConnectionStringBuilder(connectionString).DataSource}";
        }
        catch (ArgumentException)
        {
            return "the configured database";
        }
    }

    private static string CauseOf(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException socket:
                    return $"{socket.SocketErrorCode} ({socket.Message})";
                case PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown } pg:
                    return $"the server is shutting down ({pg.SqlState})";
                case PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow } pg:
                    return $"the server is starting up or shutting down ({pg.SqlState})";
                case PostgresException pg:
                    return $"{pg.SqlState}: {pg.MessageText}";
                case TimeoutException:
                    return "no answer in time";
                case EndOfStreamException:
                    return "the connection was closed by the server";
                case SqliteException sqlite:
                    return sqlite.Message;
            }
        }
        return exception.Message;
    }
}
