using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Tests.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Audit;

/// <summary>Audit on a real SQLite file, plus the raw access an attacker with the file would have.</summary>
internal static class AuditTestKit
{
    public static Task<TempDataHost> StartAsync(int checkpointEvery = 5, int busyTimeoutSeconds = 30) =>
        TempDataHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Audit:CheckpointEvery"] = checkpointEvery.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Data:BusyTimeoutSeconds"] = busyTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public static IAuditLog Log(this TempDataHost host) => host.Services.GetRequiredService<IAuditLog>();

    public static string DatabasePath(this TempDataHost host) => Path.Combine(host.Directory, "axworkbench.db");

    public static string CheckpointPath(this TempDataHost host) => host.Services.GetRequiredService<AuditLog>().CheckpointPath;

    public static AuditEvent Event(int i, string actor = "analyst") => new()
    {
        Action = AuditActions.Prompt,
        Actor = actor,
        Target = $"session-{i % 7}",
        ClientAddress = "10.0.0." + (i % 250),
        Details = $$"""{"n":{{i}}}""",
    };

    /// <summary>Writes events one after another (each awaited), so every record is its own batch.</summary>
    public static async Task WriteSequentialAsync(this TempDataHost host, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await host.Log().WriteAsync(Event(i));
        }
    }

    /// <summary>Stops the writer (which appends its final checkpoint) so the files are quiet.</summary>
    public static async Task StopWriterAsync(this TempDataHost host) =>
        await host.Services.GetRequiredService<AuditLog>().DisposeAsync();

    public static Task<AuditVerdict> VerifyAsync(this TempDataHost host) =>
        AuditVerifier.VerifyAsync(AuditVerifier.ReadOnlyConnectionString(host.DatabasePath()), host.CheckpointPath());

    /// <summary>Edits the database file directly, as someone with file access would: the triggers are dropped first.</summary>
    public static async Task TamperAsync(this TempDataHost host, params string[] statements)
    {
        await using var connection = new SqliteConnection($"Data Source={host.DatabasePath()};Pooling=False");
        await connection.OpenAsync();
        foreach (var sql in (string[])["DROP TRIGGER IF EXISTS AuditRecords_NoUpdate", "DROP TRIGGER IF EXISTS AuditRecords_NoDelete", .. statements])
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    public static async Task<List<AuditRecord>> ReadAllAsync(this TempDataHost host)
    {
        var records = new List<AuditRecord>();
        await using var connection = new SqliteConnection(AuditVerifier.ReadOnlyConnectionString(host.DatabasePath()));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Sequence, TimestampUtc, Actor, Action, Target, Outcome, ClientAddress, Marking, Details, Hash FROM AuditRecords ORDER BY Sequence";
        await using var row = await command.ExecuteReaderAsync();
        while (await row.ReadAsync())
        {
            records.Add(new AuditRecord
            {
                Sequence = row.GetInt64(0), TimestampUtc = row.GetString(1), Actor = row.GetString(2), Action = row.GetString(3),
                Target = row.IsDBNull(4) ? null : row.GetString(4), Outcome = row.GetString(5), ClientAddress = row.IsDBNull(6) ? null : row.GetString(6),
                Marking = row.GetString(7), Details = row.IsDBNull(8) ? null : row.GetString(8), Hash = row.GetString(9),
            });
        }
        return records;
    }
}
