using System.CommandLine;
using System.Globalization;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Backup;
using AxWorkbench.Core.Data;

namespace AxWorkbench.Web.Cli;

/// <summary>
/// `backup DIR` (while the workbench runs), `backup verify DIR` (exit 0 intact, 1 naming each problem, 2 unreadable)
/// and `restore DIR --data FOLDER` (into an empty folder; a backup that fails verification is refused).
/// </summary>
internal static class BackupCommands
{
    public static Command Build(CliContext context)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder to write the backup into (empty or not there yet)." };
        var backup = new Command("backup", "Back up the database, documents' originals, audit checkpoints, Data Protection keys and settings while the workbench runs.")
        {
            folder,
        };
        backup.SetAction((parse, ct) => BackupAsync(context, parse.GetValue(folder)!, ct));

        var verifyFolder = new Argument<DirectoryInfo>("folder") { Description = "Backup folder (the one holding manifest.json)." };
        var verify = new Command("verify", "Check a backup: every file against its manifest, row counts, every original's SHA-256 against the database, the audit chain and checkpoints.")
        {
            verifyFolder,
        };
        verify.SetAction((parse, ct) => VerifyAsync(context, parse.GetValue(verifyFolder)!, ct));
        backup.Subcommands.Add(verify);
        return backup;
    }

    public static Command BuildRestore(CliContext context)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Backup folder (the one holding manifest.json)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder to restore into; it must be empty or not exist yet.", Required = true };
        var restore = new Command("restore", "Restore a verified backup into an empty data folder; point Data:DataDirectory at it to start the workbench on it.")
        {
            folder, data,
        };
        restore.SetAction((parse, ct) => RestoreAsync(context, parse.GetValue(folder)!, parse.GetValue(data)!, ct));
        return restore;
    }

    private static WorkbenchActor Operator => WorkbenchActor.Operator(Environment.UserName);

    private static async Task<int> BackupAsync(CliContext context, DirectoryInfo folder, CancellationToken cancellationToken)
    {
        try
        {
            using var host = await context.StartDataHostAsync(cancellationToken, builder => builder.AddWorkbenchBackup());
            var result = await host.Services.GetRequiredService<WorkbenchBackup>().BackupAsync(folder.FullName, Operator, cancellationToken);
            var manifest = result.Manifest;
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"backup written to {result.Folder}: {manifest.Files.Count} files, {manifest.Files.Sum(f => f.Size):N0} bytes, {manifest.RowCounts.Values.Sum():N0} rows in {manifest.RowCounts.Count} tables, audit chain of {manifest.AuditLastSequence} records"));
            foreach (var omission in manifest.NotCopied)
            {
                await context.Output.WriteLineAsync($"  not copied: {omission.Path}: {omission.Reason}");
            }
            if (!result.Audit.IsValid)
            {
                await context.Output.WriteLineAsync($"warning: the audit chain in this backup is BROKEN: {result.Audit.Message}");
            }
            return 0;
        }
        catch (BackupException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> VerifyAsync(CliContext context, DirectoryInfo folder, CancellationToken cancellationToken)
    {
        try
        {
            using var host = await context.StartDataHostAsync(cancellationToken, builder => builder.AddWorkbenchBackup(), initialize: false);
            var verdict = await host.Services.GetRequiredService<WorkbenchBackup>().VerifyAsync(folder.FullName, cancellationToken);
            if (verdict.IsValid)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"backup INTACT: {verdict.Manifest.Files.Count} files match the manifest, {verdict.Manifest.RowCounts.Count} tables match their row counts; {verdict.Audit?.Message}"));
                return 0;
            }
            await context.Output.WriteLineAsync($"backup BROKEN: {verdict.Problems.Count} problem(s):");
            foreach (var problem in verdict.Problems)
            {
                await context.Output.WriteLineAsync($"  {problem}");
            }
            return 1;
        }
        catch (BackupException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> RestoreAsync(CliContext context, DirectoryInfo folder, DirectoryInfo data, CancellationToken cancellationToken)
    {
        var restoreContext = context with
        {
            Settings = new Dictionary<string, string?>(context.Settings) { [$"{DataOptions.SectionName}:{nameof(DataOptions.DataDirectory)}"] = data.FullName },
        };
        try
        {
            BackupVerdict verdict;
            string documents;
            // The restored database does not exist yet: no migration until the files are in place.
            using (var host = await restoreContext.StartDataHostAsync(cancellationToken, builder => builder.AddWorkbenchBackup(), initialize: false))
            {
                var backup = host.Services.GetRequiredService<WorkbenchBackup>();
                documents = backup.DocumentsDirectoryFor(data.FullName);
                verdict = await backup.RestoreFilesAsync(folder.FullName, data.FullName, cancellationToken);
            }
            using (var host = await restoreContext.StartDataHostAsync(cancellationToken, builder => builder.AddWorkbenchBackup()))
            {
                await host.Services.GetRequiredService<WorkbenchBackup>().AuditRestoreAsync(folder.FullName, verdict.Manifest, Operator, cancellationToken);
            }
            await context.Output.WriteLineAsync(
                $"restored {folder.FullName} (made {verdict.Manifest.CreatedUtc:u} from {verdict.Manifest.SourceDataDirectory}) into {data.FullName} " +
                $"(document originals into {documents}). " +
                $"Start the workbench with Data:DataDirectory={data.FullName}; the retrieval index is rebuilt at start. " +
                $"The install's settings at backup time are in {Path.Combine(folder.FullName, WorkbenchBackup.SettingsFolder)} (not copied over this install's).");
            return 0;
        }
        catch (BackupException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }
}
