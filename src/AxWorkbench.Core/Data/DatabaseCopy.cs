using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace AxWorkbench.Core.Data;

/// <summary>The copy was refused or failed; nothing in the source was changed.</summary>
public sealed class DatabaseCopyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One table after a copy: its rows in the source and in the target.</summary>
public sealed record CopiedTable(string Context, string Table, long SourceRows, long TargetRows);

/// <summary>
/// Moves a SQLite workbench onto PostgreSQL (`db copy --to-postgres`): the target must be an EMPTY database; each
/// context's PostgreSQL migrations are applied to it, then every row of every table is copied with its keys unchanged
/// (users, sessions, documents and their blob references, libraries, reviews, audit records: the chain still
/// verifies), in one transaction per context, identity sequences moved past the copied ids, and the row counts of both
/// sides compared. Rows are read into memory one context at a time (fine for a site's database; not for terabytes).
/// </summary>
public static class DatabaseCopy
{
    /// <summary>Refuses a target that cannot be reached or that already holds a table with rows.</summary>
    public static async Task EnsureEmptyTargetAsync(string targetConnectionString, CancellationToken cancellationToken)
    {
        await PostgresDatabase.CheckReachableAsync(targetConnectionString, cancellationToken);
        await using var connection = new NpgsqlConnection(targetConnectionString);
        await connection.OpenAsync(cancellationToken);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name", connection))
        await using (var row = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await row.ReadAsync(cancellationToken))
            {
                tables.Add(row.GetString(0));
            }
        }
        foreach (var table in tables.Where(t => !t.StartsWith("__", StringComparison.Ordinal)))
        {
            await using var any = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\")", connection);
            if ((bool)(await any.ExecuteScalarAsync(cancellationToken))!)
            {
                throw new DatabaseCopyException(
                    $"The target database '{connection.Database}' is not empty (table {table} has rows): db copy only fills an empty database, so nothing was copied. " +
                    "Create a new database (CREATE DATABASE ... OWNER ...) and name it in the connection string.");
            }
        }
    }

    /// <summary>Migrates the target for <typeparamref name="TContext"/> and copies every row of its tables from the source.</summary>
    public static async Task<IReadOnlyList<CopiedTable>> CopyAsync<TContext>(DataOptions source, DataOptions target, string contentRoot, string historyTable,
        CancellationToken cancellationToken)
        where TContext : DbContext
    {
        await using var from = Create<TContext>(source, contentRoot, historyTable);
        await using var to = Create<TContext>(target, contentRoot, historyTable);
        await to.Database.MigrateAsync(cancellationToken);

        var types = from.Model.GetEntityTypes()
            .Where(t => t.BaseType is null && !t.IsOwned() && t.GetTableName() is not null && t.FindPrimaryKey() is not null)
            .ToList();
        if (from.Model.GetEntityTypes().FirstOrDefault(t => t.HasSharedClrType) is { } shared)
        {
            throw new DatabaseCopyException($"{typeof(TContext).Name} maps {shared.Name}, a shared-type entity db copy cannot read; nothing was copied.");
        }

        await using var transaction = await to.Database.BeginTransactionAsync(cancellationToken);
        foreach (var type in types)
        {
            // Rows the migrations seed (e.g. the default personas) are in the target already: the source's version wins.
            var seeded = (await ReadAllAsync(to, type, cancellationToken)).Select(e => KeyOf(type, e)).ToHashSet(StringComparer.Ordinal);
            foreach (var entity in await ReadAllAsync(from, type, cancellationToken))
            {
                ToUtc(type, entity);
                if (seeded.Contains(KeyOf(type, entity)))
                {
                    to.Update(entity);
                }
                else
                {
                    to.Add(entity);
                }
            }
        }
        await to.SaveChangesAsync(cancellationToken);
        foreach (var type in types)
        {
            await MoveIdentitySequencesAsync(to, type, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        var counts = new List<CopiedTable>();
        foreach (var table in types.Select(t => t.GetTableName()!).Distinct())
        {
            counts.Add(new CopiedTable(typeof(TContext).Name, table, await CountAsync(from, table, cancellationToken), await CountAsync(to, table, cancellationToken)));
        }
        return counts;
    }

    private static TContext Create<TContext>(DataOptions data, string contentRoot, string historyTable)
        where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>();
        DataServiceExtensions.Configure(options, data, contentRoot, historyTable);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }

    private static async Task<List<object>> ReadAllAsync(DbContext context, IEntityType type, CancellationToken cancellationToken)
    {
        var method = typeof(DatabaseCopy).GetMethod(nameof(ReadAllTypedAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.ClrType);
        return await (Task<List<object>>)method.Invoke(null, [context, cancellationToken])!;
    }

    private static async Task<List<object>> ReadAllTypedAsync<T>(DbContext context, CancellationToken cancellationToken)
        where T : class =>
        [.. await context.Set<T>().AsNoTracking().IgnoreQueryFilters().ToListAsync(cancellationToken)];

    private static string KeyOf(IEntityType type, object entity) =>
        string.Join('|', type.FindPrimaryKey()!.Properties.Select(p => Convert.ToString(p.PropertyInfo!.GetValue(entity), CultureInfo.InvariantCulture)));

    /// <summary>
    /// SQLite hands times back without a kind (they were written as UTC); PostgreSQL's timestamptz takes UTC only.
    /// </summary>
    private static void ToUtc(IEntityType type, object entity)
    {
        foreach (var property in type.GetProperties().Where(p => p.PropertyInfo is not null))
        {
            var info = property.PropertyInfo!;
            switch (info.GetValue(entity))
            {
                case DateTime time when time.Kind != DateTimeKind.Utc:
                    info.SetValue(entity, DateTime.SpecifyKind(time, DateTimeKind.Utc));
                    break;
                case DateTimeOffset offset when offset.Offset != TimeSpan.Zero:
                    info.SetValue(entity, offset.ToUniversalTime());
                    break;
            }
        }
    }

    /// <summary>Copied rows keep their ids; an identity column's sequence must then start after the highest one.</summary>
    private static async Task MoveIdentitySequencesAsync(DbContext context, IEntityType type, CancellationToken cancellationToken)
    {
        var table = type.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        foreach (var property in type.GetProperties().Where(p => p.ValueGenerated == Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd
            && (p.ClrType == typeof(int) || p.ClrType == typeof(long))))
        {
            var column = property.GetColumnName(store)!;
            var sql = string.Create(CultureInfo.InvariantCulture,
                $"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false) " +
                $"WHERE pg_get_serial_sequence('\"{table}\"', '{column}') IS NOT NULL");
            await using var command = context.Database.GetDbConnection().CreateCommand();
            command.Transaction = context.Database.CurrentTransaction!.GetDbTransaction();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<long> CountAsync(DbContext context, string table, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await context.Database.OpenConnectionAsync(cancellationToken);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
