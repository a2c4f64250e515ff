using System.Data.Common;

namespace AxWorkbench.Core.Data;

/// <summary>
/// Databases made before the contexts were consolidated (up to commit 096726c) carry eight migration history tables,
/// one per feature context. Their schema is exactly the baselines of today's contexts, so at start, before migrating,
/// a complete old database has each context's baseline recorded as applied and the old history tables dropped, in one
/// transaction; later migrations (e.g. the one-marking-form conversion) then run as on any database. A database that
/// had not applied every old migration is refused: upgrading it would build on a schema that is not the baseline.
/// </summary>
public static class LegacySchema
{
    /// <summary>Every (history table, migration) an old database must hold.</summary>
    public static IReadOnlyList<(string HistoryTable, string MigrationId)> Migrations { get; } =
    [
        ("__EFMigrationsHistory", "20261129080116_InitialIdentity"),
        ("__Migrations_Audit", "20261129081913_InitialAudit"),
        ("__Migrations_Documents", "20261129082136_InitialDocuments"),
        ("__Migrations_Documents", "20261129090438_DocumentSummaries"),
        ("__Migrations_Retrieval", "20261129082259_InitialRetrieval"),
        ("__Migrations_Conversations", "20261129083236_InitialConversations"),
        ("__Migrations_Lightweighting", "20261129084243_InitialLightweighting"),
        ("__Migrations_Review", "20261129091851_InitialReview"),
        ("__Migrations_Rag", "20261129092412_InitialRag"),
    ];

    /// <summary>Upgrades an old database in place; does nothing on a new or already upgraded one.</summary>
    /// <returns>True when an old database was upgraded.</returns>
    /// <exception cref="DatabaseConfigurationException">The old database is incomplete.</exception>
    public static async Task<bool> UpgradeAsync(DbConnection connection, IEnumerable<IMigratedContext> contexts, CancellationToken cancellationToken)
    {
        var tables = Migrations.Select(m => m.HistoryTable).Distinct().ToList();
        var present = new List<string>();
        foreach (var table in tables)
        {
            if (await TableExistsAsync(connection, table, cancellationToken))
            {
                present.Add(table);
            }
        }
        if (present.Count == 0)
        {
            return false;
        }

        var missing = new List<string>();
        foreach (var (table, id) in Migrations)
        {
            if (!present.Contains(table) || !await RowExistsAsync(connection, table, id, cancellationToken))
            {
                missing.Add(id);
            }
        }
        if (missing.Count > 0)
        {
            throw new DatabaseConfigurationException(
                $"The database at '{connection.DataSource}' was made by an older AxWorkbench that had not applied all its migrations " +
                $"(missing: {string.Join(", ", missing)}). Start that older version once so it finishes migrating, then start this one; " +
                "the database was not changed.");
        }

        var script = new List<string>();
        foreach (var context in contexts)
        {
            script.Add(await context.BaselineScriptAsync(cancellationToken));
        }
        script.AddRange(present.Select(t => $"DROP TABLE \"{t}\";"));

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = string.Join(Environment.NewLine, script);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        AddParameter(command, "$name", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task<bool> RowExistsAsync(DbConnection connection, string table, string migrationId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\" WHERE MigrationId = $id";
        AddParameter(command, "$id", migrationId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static void AddParameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
