using System.Security.Cryptography;
using System.Text;
using AxWorkbench.Core.Data;
using Npgsql;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>The database provider a test class runs on; every database test class has a Sqlite and a Postgres variant.</summary>
public enum DbProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Where a test host's database lives. SQLite: the file in the host's data folder, as in production. PostgreSQL: a
/// database of its own on the server in <see cref="Variable"/> (tests/services.sh starts one; tests/run.sh exports it),
/// named after the data folder, so a host restarted on the same folder finds the same database, and dropped with the
/// folder. Without the variable a Postgres variant FAILS (it is not skipped) naming the variable and the command.
/// </summary>
public static class TestDatabase
{
    public const string Variable = "AXWB_TEST_POSTGRES";

    /// <summary>The server the Postgres variants use (a maintenance database on it); fails with the fix when unset.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: the Postgres variants of the Core tests need a PostgreSQL server. " +
                $"Run `eval \"$(tests/services.sh up)\"` first (tests/run.sh does), or leave them out with --filter \"FullyQualifiedName!~Postgres\".");

    /// <summary>The database name for a data folder: stable, so a restart on the same folder reopens it.</summary>
    public static string DatabaseName(string directory) =>
        "axwb_t_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(directory))))[..24];

    /// <summary>The connection string of the folder's PostgreSQL database.</summary>
    public static string ConnectionString(string directory) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = DatabaseName(directory) }.ConnectionString;

    /// <summary>
    /// The settings a host on <paramref name="directory"/> adds: none for SQLite; for PostgreSQL Data:Provider and
    /// ConnectionStrings:Workbench, after creating the database when it does not exist yet.
    /// </summary>
    public static async Task<Dictionary<string, string?>> SettingsAsync(DbProvider provider, string directory)
    {
        if (provider == DbProvider.Sqlite)
        {
            return [];
        }
        var name = DatabaseName(directory);
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if ((long)(await exists.ExecuteScalarAsync())! == 0)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                await create.ExecuteNonQueryAsync();
            }
        }
        return new()
        {
            ["Data:Provider"] = DataOptions.Postgres,
            [DataOptions.ConnectionStringSetting] = ConnectionString(directory),
        };
    }

    /// <summary>Closes pooled SQLite connections so the files can be deleted (PostgreSQL pools are cleared per database on drop).</summary>
    public static void ClearPools() => Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

    /// <summary>Drops the folder's PostgreSQL database (nothing for SQLite: the file goes with the folder).</summary>
    public static async Task DropAsync(DbProvider provider, string directory)
    {
        if (provider == DbProvider.Sqlite)
        {
            return;
        }
        await using (var pooled = new NpgsqlConnection(ConnectionString(directory)))
        {
            NpgsqlConnection.ClearPool(pooled);
        }
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName(directory)}\" WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (attempt < 10 && ex.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                // A server process the test role may not terminate (e.g. an autovacuum worker) is still in the database.
                await Task.Delay(200 * attempt);
            }
        }
    }
}
