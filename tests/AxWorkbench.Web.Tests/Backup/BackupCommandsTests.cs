using System.Text;
using System.Text.Json;
using AxWorkbench.Web.Cli;
using Microsoft.Data.Sqlite;

namespace AxWorkbench.Web.Tests.Backup;

/// <summary>`backup`, `backup verify` and `restore` on a real data folder made by real operator commands (users, import with the real parser worker).</summary>
public sealed class BackupCommandsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-backup-tests", Guid.NewGuid().ToString("N"));

    private string Data => Path.Combine(_directory, "data");

    private string BackupFolder => Path.Combine(_directory, "backup");

    private Dictionary<string, string?> Settings(string data) => new() { ["Data:DataDirectory"] = data, ["Markings:Scheme"] = "Us", ["Retrieval:Embedder"] = "None" };

    private Task<(int Exit, string Output, string Error)> RunAsync(string data, params string[] args) => RunWithAsync(Settings(data), args);

    private static async Task<(int Exit, string Output, string Error)> RunWithAsync(Dictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, settings);
        return (exit, output.ToString(), error.ToString());
    }

    private async Task MakeDataAsync()
    {
        Assert.Equal(0, (await RunAsync(Data, "users", "add", "ops", "--role", "Analyst", "--clearance", "SECRET", "--unit", "HQ")).Exit);
        var folder = Directory.CreateDirectory(Path.Combine(_directory, "in"));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "notes.md"), "# Exercise\n\n(U) The exercise starts Monday.\n");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "orders.txt"), "(U) Convoy leaves at dawn.\n", Encoding.UTF8);
        var import = await RunAsync(Data, "import", folder.FullName, "--marking", "UNCLASSIFIED", "--owner", "ops");
        Assert.True(import.Exit == 0, import.Error);
        Assert.Contains("2 imported", import.Output, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> BackUpAsync()
    {
        var result = await RunAsync(Data, "backup", BackupFolder);
        Assert.True(result.Exit == 0, result.Output + result.Error);
        return result;
    }

    [Fact]
    public async Task Backup_ThenVerify_IsIntact_ManifestHashesEveryFile_AndTheIndexIsNotCopied()
    {
        await MakeDataAsync();
        Directory.CreateDirectory(Path.Combine(Data, "retrieval-index"));
        await File.WriteAllTextAsync(Path.Combine(Data, "retrieval-index", "segments_1"), "index");

        var backup = await BackUpAsync();
        var verify = await RunAsync(Data, "backup", "verify", BackupFolder);

        Assert.True(verify.Exit == 0, verify.Output + verify.Error);
        Assert.Contains("backup INTACT", verify.Output, StringComparison.Ordinal);
        Assert.Contains("not copied: retrieval-index: the retrieval index is rebuilt from the database at start", backup.Output, StringComparison.Ordinal);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(BackupFolder, "manifest.json")));
        var files = manifest.RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(2, files.Count(f => f.GetProperty("kind").GetString() == "original"));
        Assert.Contains(files, f => f.GetProperty("path").GetString() == "data/axworkbench.db");
        Assert.Contains(files, f => f.GetProperty("path").GetString() == "data/audit-checkpoints.log");
        Assert.All(files, f => Assert.Matches("^[0-9a-f]{64}$", f.GetProperty("sha256").GetString()));
        Assert.Equal(2, manifest.RootElement.GetProperty("rowCounts").GetProperty("Documents").GetInt64());
        Assert.False(Directory.Exists(Path.Combine(BackupFolder, "data", "retrieval-index")));
        // The backup is audited in the live log (and the snapshot holds its start record).
        Assert.Contains("data.backup", await AuditActionsAsync(Path.Combine(Data, "axworkbench.db")));
        Assert.Contains("data.backup", await AuditActionsAsync(Path.Combine(BackupFolder, "data", "axworkbench.db")));
    }

    [Fact]
    public async Task Verify_ChangedBlob_NamesTheDocumentAndTheFile()
    {
        await MakeDataAsync();
        await BackUpAsync();
        var original = Directory.EnumerateFiles(Path.Combine(BackupFolder, "data", "documents", "originals"), "*", SearchOption.AllDirectories).First();
        await File.AppendAllTextAsync(original, "tampered");

        var verify = await RunAsync(Data, "backup", "verify", BackupFolder);

        Assert.Equal(1, verify.Exit);
        var relative = Path.GetRelativePath(BackupFolder, original).Replace('\\', '/');
        Assert.Contains($"{relative}: SHA-256 is", verify.Output, StringComparison.Ordinal);
        Assert.Matches($@"document '(notes\.md|orders\.txt)' \([0-9a-f-]+\): its original {relative} has SHA-256 [0-9a-f]{{64}}, the database says {Path.GetFileName(original)}", verify.Output);
    }

    [Fact]
    public async Task Verify_DeletedRow_NamesTheTableAndTheCounts()
    {
        await MakeDataAsync();
        await BackUpAsync();
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(BackupFolder, "data", "axworkbench.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM DocumentPages WHERE rowid = (SELECT MIN(rowid) FROM DocumentPages);";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var verify = await RunAsync(Data, "backup", "verify", BackupFolder);

        Assert.Equal(1, verify.Exit);
        Assert.Contains("table DocumentPages: 1 rows, the manifest says 2 (rows were deleted).", verify.Output, StringComparison.Ordinal);
        Assert.Contains("data/axworkbench.db: SHA-256 is", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_IntoAnEmptyFolder_HoldsEverything_AuditsIt_AndRefusesANonEmptyOne()
    {
        await MakeDataAsync();
        await BackUpAsync();
        var target = Path.Combine(_directory, "restored");
        var busy = Directory.CreateDirectory(Path.Combine(_directory, "busy"));
        await File.WriteAllTextAsync(Path.Combine(busy.FullName, "something"), "x");

        var refused = await RunAsync(target, "restore", BackupFolder, "--data", busy.FullName);
        var restored = await RunAsync(target, "restore", BackupFolder, "--data", target);
        var audit = await RunAsync(target, "audit", "verify");

        Assert.Equal(1, refused.Exit);
        Assert.Contains("is not empty", refused.Error, StringComparison.Ordinal);
        Assert.True(restored.Exit == 0, restored.Output + restored.Error);
        Assert.True(audit.Exit == 0, audit.Output + audit.Error);
        var actions = await AuditActionsAsync(Path.Combine(target, "axworkbench.db"));
        Assert.Equal("data.restore", actions[^1]);
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(target, "documents", "originals"), "*", SearchOption.AllDirectories).Count());
        Assert.True(File.Exists(Path.Combine(target, "audit-checkpoints.log")));
    }

    [Fact]
    public async Task Restore_WithASharedDocumentsFolder_PutsTheOriginalsThere_KeepsEqualOnes_AndRefusesADifferentOne()
    {
        await MakeDataAsync();
        await BackUpAsync();
        var backedUp = Directory.EnumerateFiles(Path.Combine(BackupFolder, "data", "documents", "originals"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(BackupFolder, "data", "documents"), f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, backedUp.Count);

        // The shared folder already holds one original (another node restored it, or it survived): equal, so kept.
        var shared = Path.Combine(_directory, "shared-documents");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(shared, backedUp[0]))!);
        File.Copy(Path.Combine(BackupFolder, "data", "documents", backedUp[0]), Path.Combine(shared, backedUp[0]));
        var target = Path.Combine(_directory, "restored");
        var settings = Settings(target);
        settings["Data:DocumentsDirectory"] = shared;

        var restored = await RunWithAsync(settings, "restore", BackupFolder, "--data", target);

        Assert.True(restored.Exit == 0, restored.Output + restored.Error);
        Assert.Contains($"document originals into {shared}", restored.Output, StringComparison.Ordinal);
        Assert.Equal(backedUp, Directory.EnumerateFiles(Path.Combine(shared, "originals"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(shared, f)).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(target, "documents", "originals")), "with Data:DocumentsDirectory set, the data folder holds no originals");
        Assert.True((await RunWithAsync(settings, "audit", "verify")).Exit == 0);

        // A different file under an original's name: refused before anything is written.
        var other = Path.Combine(_directory, "restored-2");
        var damaged = Path.Combine(_directory, "damaged-documents");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(damaged, backedUp[1]))!);
        await File.WriteAllTextAsync(Path.Combine(damaged, backedUp[1]), "not the original");
        var refusedSettings = Settings(other);
        refusedSettings["Data:DocumentsDirectory"] = damaged;

        var refused = await RunWithAsync(refusedSettings, "restore", BackupFolder, "--data", other);

        Assert.Equal(1, refused.Exit);
        Assert.Contains("already holds", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was restored", refused.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(other));
        Assert.Single(Directory.EnumerateFiles(damaged, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Restore_OfATamperedBackup_IsRefusedNamingTheProblem_AndWritesNothing()
    {
        await MakeDataAsync();
        await BackUpAsync();
        File.Delete(Directory.EnumerateFiles(Path.Combine(BackupFolder, "data", "documents", "originals"), "*", SearchOption.AllDirectories).First());
        var target = Path.Combine(_directory, "restored");

        var restored = await RunAsync(target, "restore", BackupFolder, "--data", target);

        Assert.Equal(1, restored.Exit);
        Assert.Contains("fails verification; nothing was restored", restored.Error, StringComparison.Ordinal);
        Assert.Contains("its original data/documents/originals/", restored.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Backup_IntoANonEmptyFolder_IsRefused()
    {
        await MakeDataAsync();
        Directory.CreateDirectory(BackupFolder);
        await File.WriteAllTextAsync(Path.Combine(BackupFolder, "old"), "x");

        var result = await RunAsync(Data, "backup", BackupFolder);

        Assert.Equal(1, result.Exit);
        Assert.Contains("is not empty", result.Error, StringComparison.Ordinal);
    }

    private static async Task<List<string>> AuditActionsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Action FROM AuditRecords ORDER BY Sequence";
        var actions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actions.Add(reader.GetString(0));
        }
        return actions;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
