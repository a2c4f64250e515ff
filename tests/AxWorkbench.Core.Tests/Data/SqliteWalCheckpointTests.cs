using AxWorkbench.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>SQLite only: the write-ahead log is truncated by the periodic checkpoint, and a reader holding it only delays that.</summary>
public sealed class SqliteWalCheckpointTests
{
    [Fact]
    public async Task Checkpoint_AfterManyWrites_TruncatesTheLog_AndWaitsForAReaderToFinish()
    {
        await using var host = await TempDataHost.StartAsync();
        var file = Path.Combine(host.Directory, "axworkbench.db");
        var wal = file + "-wal";
        var connectionString = $"Data Source={file};Pooling=False";
        // Kept open to the end, as a running node keeps its pool: the last connection to close would checkpoint and delete the log itself.
        await using var writer = new SqliteConnection(connectionString);
        await writer.OpenAsync();
        await Execute(writer, "PRAGMA wal_autocheckpoint=0; CREATE TABLE wal_filler (id INTEGER PRIMARY KEY, body BLOB);");
        for (var i = 0; i < 50; i++)
        {
            await Execute(writer, "INSERT INTO wal_filler (body) VALUES (randomblob(65536));");
        }
        Assert.True(new FileInfo(wal).Length > 3_000_000, $"the log should hold the writes, has {new FileInfo(wal).Length} bytes");
        var checkpointer = host.Services.GetRequiredService<SqliteWalCheckpointer>();

        // A reader in the middle of a read transaction pins the log: the checkpoint says busy and leaves it.
        await using (var reader = new SqliteConnection(connectionString))
        {
            await reader.OpenAsync();
            using var transaction = reader.BeginTransaction(deferred: true);
            await using (var read = reader.CreateCommand())
            {
                read.Transaction = (SqliteTransaction)transaction;
                read.CommandText = "SELECT count(*) FROM wal_filler;";
                Assert.Equal(50L, (long)(await read.ExecuteScalarAsync())!);
            }
            await Execute(writer, "INSERT INTO wal_filler (body) VALUES (randomblob(65536));");
            await checkpointer.CheckpointAsync(connectionString, CancellationToken.None);
            Assert.True(checkpointer.Last.Busy, "a checkpoint under an open reader cannot truncate");
            Assert.True(new FileInfo(wal).Length > 0);
        }

        await checkpointer.CheckpointAsync(connectionString, CancellationToken.None);

        Assert.False(checkpointer.Last.Busy);
        Assert.Equal(0, new FileInfo(wal).Length);
        await using var check = new SqliteConnection(connectionString);
        await check.OpenAsync();
        await using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM wal_filler;";
        Assert.Equal(51L, (long)(await count.ExecuteScalarAsync())!);
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
