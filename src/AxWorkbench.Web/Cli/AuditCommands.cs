using System.CommandLine;
using System.Globalization;
using AxWorkbench.Core.Audit;

namespace AxWorkbench.Web.Cli;

/// <summary>`audit verify [--db PATH] [--checkpoints PATH]`: exit 0 intact, 1 broken (naming the first bad sequence), 2 unreadable.</summary>
internal static class AuditCommands
{
    public static Command Build(CliContext context)
    {
        var audit = new Command("audit", "Check the tamper-evident audit log.");
        var db = new Option<FileInfo?>("--db") { Description = "Database file to check (default: the configured database)." };
        var checkpoints = new Option<FileInfo?>("--checkpoints")
        {
            Description = $"Checkpoint file (default: Audit:CheckpointPath, or {AuditOptions.DefaultCheckpointFileName} beside --db when --db is given).",
        };
        var verify = new Command("verify", "Walk the hash chain and the external checkpoints; exit non-zero on any break, naming the first bad sequence number.")
        {
            db, checkpoints,
        };
        verify.SetAction((parse, ct) => VerifyAsync(context, parse.GetValue(db), parse.GetValue(checkpoints), ct));
        audit.Subcommands.Add(verify);
        return audit;
    }

    private static async Task<int> VerifyAsync(CliContext context, FileInfo? db, FileInfo? checkpoints, CancellationToken cancellationToken)
    {
        string connectionString;
        string checkpointPath;
        var provider = Core.Data.DataOptions.Sqlite;
        if (db is not null)
        {
            if (!db.Exists)
            {
                await context.Error.WriteLineAsync($"error: no database file at '{db.FullName}'.");
                return 2;
            }
            connectionString = AuditVerifier.ReadOnlyConnectionString(db.FullName);
            checkpointPath = checkpoints?.FullName ?? Path.Combine(db.DirectoryName!, AuditOptions.DefaultCheckpointFileName);
        }
        else
        {
            using var host = await context.StartDataHostAsync(cancellationToken);
            var verifier = host.Services.GetRequiredService<AuditVerifier>();
            connectionString = verifier.ConfiguredConnectionString;
            provider = verifier.ConfiguredProvider;
            checkpointPath = checkpoints?.FullName ?? verifier.ConfiguredCheckpointPath;
        }

        try
        {
            var verdict = await AuditVerifier.VerifyAsync(provider, connectionString, checkpointPath, cancellationToken);
            var timing = string.Create(CultureInfo.InvariantCulture, $"{verdict.RecordsChecked} records, {verdict.CheckpointsChecked} checkpoints, {verdict.Elapsed.TotalMilliseconds:F0} ms");
            if (verdict.IsValid)
            {
                await context.Output.WriteLineAsync($"audit chain INTACT: {verdict.Message} ({timing})");
                return 0;
            }
            var where = verdict.FirstBadSequence is { } first ? $"first bad sequence {first}" : "not provable";
            await context.Output.WriteLineAsync($"audit chain BROKEN, {where}: {verdict.Message} ({timing})");
            return 1;
        }
        catch (AuditVerificationException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
    }
}
