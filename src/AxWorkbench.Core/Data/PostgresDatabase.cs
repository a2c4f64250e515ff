using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace AxWorkbench.Core.Data;

/// <summary>
/// What the workbench needs to know about a PostgreSQL server before it migrates: that it can be reached, that the
/// credentials are accepted and that the database exists. Each failure becomes one line naming
/// <c>ConnectionStrings:Workbench</c> and the cause (never the password).
/// </summary>
public static class PostgresDatabase
{
    /// <summary>Why <paramref name="connectionString"/> is not a PostgreSQL connection string, or null when it is.</summary>
    public static string? ParseError(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Opens and closes one connection; throws <see cref="DatabaseConfigurationException"/> with the cause when it cannot.</summary>
    public static async Task CheckReachableAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException or SocketException or ArgumentException)
        {
            throw new DatabaseConfigurationException(Describe(connectionString, ex), ex);
        }
    }

    /// <summary>One line: the setting, the server and the cause of <paramref name="ex"/>.</summary>
    public static string Describe(string connectionString, Exception ex)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException parse)
        {
            return $"{DataOptions.ConnectionStringSetting} is not a valid PostgreSQL connection string: {parse.Message}";
        }
        var server = $"{builder.Host}:{builder.Port}";
        var cause = ex switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } =>
                $"the server at {server} refused the user name or password of user '{builder.Username}' (wrong credentials)",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
                $"the server at {server} refused user '{builder.Username}': {pg.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"database '{builder.Database}' does not exist on the server at {server} (create it, e.g. CREATE DATABASE \"{builder.Database}\" OWNER \"{builder.Username}\")",
            PostgresException pg => $"the server at {server} answered {pg.SqlState}: {pg.MessageText}",
            _ when Find<SocketException>(ex) is { } socket =>
                $"cannot reach the PostgreSQL server at {server} ({socket.SocketErrorCode}: {socket.Message})",
            _ when Find<TimeoutException>(ex) is not null =>
                $"cannot reach the PostgreSQL server at {server} (no answer within {builder.Timeout} s)",
            _ => $"cannot use the PostgreSQL server at {server}: {ex.Message}",
        };
        return $"{DataOptions.ConnectionStringSetting}: {cause}.";
    }

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }
        return null;
    }
}
