using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// A database made by main at 096726c (eight contexts, eight migration history tables, three marking columns in
/// Conversations), with users, chat sessions of several markings, a document with a summary, a library, a grounded
/// answer, a review flag and comment, lab records and a hash-chained audit log, upgraded in place by today's initializer.
/// The fixture was made once by a throw-away test on that commit (see Fixtures/README.md).
/// </summary>
public sealed class LegacyUpgradeTests
{
    private const string Fixture = "main-096726c";

    private static readonly string[] OldHistoryTables =
        [.. LegacySchema.Migrations.Select(m => m.HistoryTable).Distinct()];

    private static readonly string[] OldMarkingColumns = ["MarkingLevel", "MarkingCaveats", "MarkingRelTo"];

    [Fact]
    public async Task OldDatabase_UpgradesInPlace_KeepingEveryRowAndConvertingMarkings()
    {
        var directory = CopyFixture();
        var before = await DumpAsync(Path.Combine(FixtureDirectory, Fixture + ".sqlite3"));

        await using var host = await TempDataHost.StartAsync(directory: directory);

        var after = await DumpAsync(DatabasePath(directory));
        Assert.All(OldHistoryTables, t => Assert.DoesNotContain(t, after.Keys));
        Assert.Contains(WorkbenchDbContext.HistoryTable, after.Keys);
        Assert.Contains(WorkbenchIdentityDbContext.HistoryTable, after.Keys);
        foreach (var (table, oldRows) in before.Where(t => !t.Key.StartsWith("__", StringComparison.Ordinal)))
        {
            var newRows = after[table];
            Assert.True(oldRows.Count == newRows.Count, $"{table}: {oldRows.Count} rows before, {newRows.Count} after");
            for (var i = 0; i < oldRows.Count; i++)
            {
                foreach (var (column, value) in oldRows[i].Where(c => !OldMarkingColumns.Contains(c.Key)))
                {
                    Assert.True(Equals(value, newRows[i][column]), $"{table} row {i} column {column}: '{value}' became '{newRows[i][column]}'");
                }
                if (oldRows[i].ContainsKey("MarkingLevel"))
                {
                    var old = new Marking(
                        (ClassificationLevel)(long)oldRows[i]["MarkingLevel"]!,
                        ((string)oldRows[i]["MarkingCaveats"]!).Split(' ', StringSplitOptions.RemoveEmptyEntries),
                        (oldRows[i]["MarkingRelTo"] as string)?.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    Assert.Equal(MarkingStorage.ToStorage(old), newRows[i]["MarkingStorage"]);
                    Assert.DoesNotContain("MarkingLevel", newRows[i].Keys);
                }
            }
        }
    }

    [Fact]
    public async Task OldDatabase_AfterUpgrade_ReadsThroughTheFeaturesAndItsAuditChainVerifies()
    {
        await using var host = await TempDataHost.StartAsync(directory: CopyFixture());

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var markings = await db.Messages.OrderBy(m => m.Sequence).Select(m => m.MarkingStorage).ToListAsync();
        Assert.Equal(
            ["Unclassified||", "Unclassified||", "Secret|NOFORN|", "Secret|NOFORN,SI|", "Confidential||REL:KOR,USA", "Controlled||REL:", "TopSecret|SI,TK|REL:AUS,GBR,USA"],
            markings);
        var releasable = await db.Sessions.SingleAsync(s => s.Title == "Releasable");
        Assert.Equal(new Marking(ClassificationLevel.Confidential, [], ["USA", "KOR"]), releasable.Marking);
        Assert.Equal(["Secret noforn"], await db.Sessions.Where(s => s.MarkingStorage.StartsWith(ConversationsData.LevelPrefix(ClassificationLevel.Secret))).Select(s => s.Title).ToListAsync());
        Assert.Equal(2, await db.SessionLibraries.CountAsync() + await db.GroundedAnswers.CountAsync());

        using var scope = host.Services.CreateScope();
        var alice = await scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync("alice");
        Assert.NotNull(alice);
        Assert.Equal(ClassificationLevel.Secret, alice.Clearance);
        Assert.True(await scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().CheckPasswordAsync(alice, "Test-Password-123"));

        var verdict = await host.Services.GetRequiredService<AuditVerifier>().VerifyAsync();
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Equal(7, verdict.RecordsChecked);
        Assert.Equal(2, verdict.CheckpointsChecked);

        // The log keeps chaining onto the old records.
        await host.Services.GetRequiredService<IAuditLog>().WriteAsync(new AuditEvent { Action = "test.after-upgrade", Actor = "system" });
        var again = await host.Services.GetRequiredService<AuditVerifier>().VerifyAsync();
        Assert.True(again.IsValid, again.Message);
        Assert.Equal(8, again.RecordsChecked);
    }

    [Fact]
    public async Task UpgradedDatabase_SecondStart_ChangesNothing()
    {
        var directory = CopyFixture();
        (await TempDataHost.StartAsync(directory: directory)).Host.Dispose(); // not DisposeAsync: that deletes the folder
        SqliteConnection.ClearAllPools();
        var first = await DumpAsync(DatabasePath(directory));

        await using var host = await TempDataHost.StartAsync(directory: directory);

        var second = await DumpAsync(DatabasePath(directory));
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (table, rows) in first)
        {
            Assert.Equal(rows.Count, second[table].Count);
            Assert.All(rows.Zip(second[table]), pair => Assert.Equal(pair.First, pair.Second));
        }
    }

    [Fact]
    public async Task UpgradedDatabase_HasTheSameSchemaAsANewOne()
    {
        await using var upgraded = await TempDataHost.StartAsync(directory: CopyFixture());
        await using var fresh = await TempDataHost.StartAsync();

        Assert.Equal(await SchemaAsync(DatabasePath(fresh.Directory)), await SchemaAsync(DatabasePath(upgraded.Directory)));
    }

    [Fact]
    public async Task OldDatabase_MissingAnOldMigration_IsRefusedWithANamedErrorAndLeftUnchanged()
    {
        var directory = CopyFixture();
        await ExecuteAsync(DatabasePath(directory), "DELETE FROM \"__Migrations_Review\"");
        var before = await SchemaAsync(DatabasePath(directory));

        var error = await Assert.ThrowsAsync<DatabaseConfigurationException>(() => TempDataHost.StartAsync(directory: directory));

        Assert.Contains("20261129091851_InitialReview", error.Message, StringComparison.Ordinal);
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, await SchemaAsync(DatabasePath(directory)));
        Directory.Delete(directory, recursive: true);
    }

    private static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures");

    private static string DatabasePath(string directory) => Path.Combine(directory, "axworkbench.db");

    private static string CopyFixture() => CopyFixtureInto(TempDataHost.NewDirectory());

    private static string CopyFixtureInto(string directory)
    {
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(FixtureDirectory, Fixture + ".sqlite3"), DatabasePath(directory), overwrite: true);
        File.Copy(Path.Combine(FixtureDirectory, Fixture + ".audit-checkpoints.log"), Path.Combine(directory, AuditOptions.DefaultCheckpointFileName), overwrite: true);
        return directory;
    }

    private static SqliteConnection Open(string path) =>
        new(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = Open(path);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every table's columns (name, type, not null), every index and trigger, as the database describes them.</summary>
    private static async Task<List<string>> SchemaAsync(string path)
    {
        await using var connection = Open(path);
        await connection.OpenAsync();
        var schema = new List<string>();
        foreach (var table in await TablesAsync(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}') ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                schema.Add($"{table}.{reader.GetString(0)} {reader.GetString(1)} notnull={reader.GetInt64(2)} pk={reader.GetInt64(3)}");
            }
        }
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT type || ' ' || name || ' ' || tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                schema.Add(reader.GetString(0));
            }
        }
        return schema;
    }

    private static async Task<List<string>> TablesAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    /// <summary>Every row of every table, ordered by all of the table's columns except the old marking ones.</summary>
    private static async Task<Dictionary<string, List<Dictionary<string, object?>>>> DumpAsync(string path)
    {
        await using var connection = Open(path);
        await connection.OpenAsync();
        var dump = new Dictionary<string, List<Dictionary<string, object?>>>();
        foreach (var table in await TablesAsync(connection))
        {
            var columns = new List<string>();
            await using (var info = connection.CreateCommand())
            {
                info.CommandText = $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";
                await using var reader = await info.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    columns.Add(reader.GetString(0));
                }
            }
            var order = string.Join(", ", columns.Where(c => !OldMarkingColumns.Contains(c) && c != "MarkingStorage").Select(c => $"\"{c}\""));
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY {order}";
            await using var rows = await command.ExecuteReaderAsync();
            var list = new List<Dictionary<string, object?>>();
            while (await rows.ReadAsync())
            {
                var row = new Dictionary<string, object?>();
                for (var i = 0; i < rows.FieldCount; i++)
                {
                    row[rows.GetName(i)] = rows.IsDBNull(i) ? null : rows.GetValue(i) is byte[] bytes ? Convert.ToHexString(bytes) : rows.GetValue(i);
                }
                list.Add(row);
            }
            dump[table] = list;
        }
        return dump;
    }
}
