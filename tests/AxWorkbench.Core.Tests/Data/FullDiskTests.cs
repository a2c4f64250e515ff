using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// The data folder on a small tmpfs (mounted here: CI runs as root), uploads and chat turns with the real fixture model
/// until the disk is full: every refusal says the disk is full, nothing half-written stays, SQLite's integrity check
/// is ok, no acknowledged upload or turn is lost, and once space returns the same running workbench works again.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TmpfsSize = "6m";
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "axwb-fulldisk-" + Guid.NewGuid().ToString("N"));
    private readonly string _models = Path.Combine(Path.GetTempPath(), "axwb-fulldisk-models");
    private bool _mounted;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_mount);
        var (_, uid) = await RunAsync("id", "-u");
        Assert.True(uid.Trim() == "0",
            $"FullDiskTests need root to mount a tmpfs as the data folder (CI runs tests/run.sh as root); this runs as uid {uid.Trim()}. Run the suite as root.");
        var (exit, text) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={TmpfsSize}", "tmpfs", _mount);
        Assert.True(exit == 0, $"mount -t tmpfs failed ({exit}): {text}");
        _mounted = true;
    }

    [Fact]
    public async Task UploadsAndChatUntilTheDiskIsFull_AreRefusedClearly_LoseNothingAcknowledged_AndRecoverWhenSpaceReturns()
    {
        using var host = await StartHostAsync();
        var services = host.Services;
        var library = services.GetRequiredService<DocumentLibrary>();
        var conversations = services.GetRequiredService<ConversationService>();
        var turns = services.GetRequiredService<ConversationTurns>();
        var coordinator = services.GetRequiredService<GenerationCoordinator>();
        var actor = new WorkbenchActor("analyst-1", "analyst-1", [Roles.Analyst], new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>(), "USA"));
        var session = await conversations.CreateSessionAsync(actor, "full disk", null, default);
        var documents = new List<(Guid Id, string Sha256)>();
        var userTurns = new List<Guid>();
        var refusals = new List<string>();
        var random = new Random(7);

        // A reserve the operator frees at the end ("space returns"), then uploads (random 192 KB files: nothing compresses or deduplicates) until the disk refuses one.
        var reserve = Path.Combine(_mount, "reserve.bin");
        await File.WriteAllBytesAsync(reserve, new byte[2 * 1024 * 1024]);
        for (var i = 0; i < 64 && refusals.Count == 0; i++)
        {
            var bytes = new byte[192 * 1024];
            random.NextBytes(bytes);
            try
            {
                var stored = await library.StoreAsync(new MemoryStream(bytes), $"filler-{i}.bin", Marking.Unclassified, actor.Authorization, actor.UserId, actor);
                documents.Add((stored.Id, stored.Sha256));
            }
            catch (Exception ex) when (IsRefusal(ex))
            {
                refusals.Add($"upload {i}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        Assert.True(refusals.Count == 1, $"the disk never filled after {documents.Count} uploads");
        Assert.True(documents.Count > 3, $"only {documents.Count} uploads fitted before the refusal: {refusals[0]}");

        // Chat turns on the nearly full disk until one is refused; an answer whose final write the disk refuses stays
        // in memory and is written once space returns.
        var pending = new List<ActiveGeneration>();
        var turnRefused = false;
        for (var i = 0; i < 200 && !turnRefused && pending.Count == 0; i++)
        {
            try
            {
                var started = await turns.SendAsync(actor, session.Id, $"full disk turn {i}: report the convoy position " + new string('x', 300), null, new SamplingRequest(MaxTokens: 48, Seed: i), default);
                userTurns.Add(started.UserMessageId!.Value);
                if (started.Generation is { } generation && !await FinishesWithinAsync(generation.Completion, TimeSpan.FromSeconds(15)))
                {
                    pending.Add(generation);
                }
            }
            catch (Exception ex) when (IsRefusal(ex))
            {
                refusals.Add($"turn {i}: {ex.GetType().Name}: {ex.Message}");
                turnRefused = true;
            }
        }
        output.WriteLine($"{userTurns.Count} turns acknowledged on the nearly full disk; {pending.Count} answers waiting for their final write");

        // What is left goes to a filler file: now a turn (one answer pending is within the two a user may have) and an upload are refused.
        var filler = Path.Combine(_mount, "filler.bin");
        FillDisk(filler);
        var turn0 = await Record.ExceptionAsync(() => turns.SendAsync(actor, session.Id, "on a full disk", null, new SamplingRequest(MaxTokens: 8), default));
        Assert.NotNull(turn0);
        Assert.True(IsRefusal(turn0), $"a full-disk turn failed with {turn0}");
        refusals.Add($"turn on a full disk: {turn0.GetType().Name}: {turn0.Message}");
        var upload = await Record.ExceptionAsync(() => library.StoreAsync(new MemoryStream(new byte[64 * 1024]), "late.bin", Marking.Unclassified, actor.Authorization, actor.UserId, actor));
        Assert.NotNull(upload);
        Assert.True(IsRefusal(upload), $"a full-disk upload failed with {upload}");
        refusals.Add($"upload on a full disk: {upload.GetType().Name}: {upload.Message}");
        foreach (var refusal in refusals)
        {
            output.WriteLine(refusal);
            Assert.Contains("full", refusal, StringComparison.OrdinalIgnoreCase);
        }

        // Nothing half-written: no partial upload, the database intact, everything acknowledged still there.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_mount, "documents", "incoming")));
        Assert.Equal("ok", await IntegrityAsync());
        await AssertAcknowledgedAsync(services, library, documents, userTurns);

        // Space returns: the same running workbench takes uploads and turns again, without a restart.
        File.Delete(filler);
        File.Delete(reserve);
        var after = await library.StoreAsync(new MemoryStream(new byte[1024]), "after.bin", Marking.Unclassified, actor.Authorization, actor.UserId, actor);
        documents.Add((after.Id, after.Sha256));
        await Task.WhenAll(pending.Select(p => p.Completion)).WaitAsync(TimeSpan.FromMinutes(1));
        var turn = await turns.SendAsync(actor, session.Id, "after the disk was freed: report the convoy position", null, new SamplingRequest(MaxTokens: 24, Seed: 99), default);
        userTurns.Add(turn.UserMessageId!.Value);
        await (turn.Generation?.Completion ?? Task.CompletedTask).WaitAsync(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(async () => !await AnyGeneratingAsync(services), "every answer's final state written once space returned");
        Assert.Equal(MessageStatus.Complete, (await MessageAsync(services, turn.AnswerId)).Status);
        Assert.Equal("ok", await IntegrityAsync());
        await AssertAcknowledgedAsync(services, library, documents, userTurns);
        foreach (var answer in pending)
        {
            Assert.Equal(MessageStatus.Complete, (await MessageAsync(services, answer.AnswerId)).Status);
        }
        var verdict = await services.GetRequiredService<AuditVerifier>().VerifyAsync();
        Assert.True(verdict.IsValid, verdict.Message);
        Assert.Empty(coordinator.ActiveIds);
    }

    private static async Task<bool> FinishesWithinAsync(Task task, TimeSpan timeout) =>
        await Task.WhenAny(task, Task.Delay(timeout)) == task;

    private static bool IsRefusal(Exception ex) =>
        ex is DocumentRefusedException or AuditUnavailableException or StorageFullException;

    private async Task AssertAcknowledgedAsync(IServiceProvider services, DocumentLibrary library, List<(Guid Id, string Sha256)> documents, List<Guid> userTurns)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var stored = await db.Documents.AsNoTracking().Select(d => d.Id).ToListAsync();
        Assert.All(documents, d => Assert.Contains(d.Id, stored));
        foreach (var (_, sha) in documents)
        {
            await using var file = File.OpenRead(library.OriginalPath(sha));
            Assert.Equal(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(file)));
        }
        var messages = await db.Messages.AsNoTracking().Select(m => m.Id).ToListAsync();
        Assert.All(userTurns, id => Assert.Contains(id, messages));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acknowledged: {documents.Count} uploads, {userTurns.Count} turns; all present"));
    }

    private static async Task<bool> AnyGeneratingAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Messages.AnyAsync(m => m.Status == MessageStatus.Generating);
    }

    private static async Task<ChatMessageRecord> MessageAsync(IServiceProvider services, Guid id)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    private async Task<string> IntegrityAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_mount, "axworkbench.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }

    private static void FillDisk(string path)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // Full: the disk has no block left.
        }
        try
        {
            file.Flush();
        }
        catch (IOException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1), $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private async Task<IHost> StartHostAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = _mount,
            ["Data:BusyTimeoutSeconds"] = "2",
            ["Audit:WriteTimeoutSeconds"] = "5",
            ["Markings:Scheme"] = "Us",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Inference:FixtureDirectory"] = _models,
            ["Inference:FixtureSize"] = "small",
            ["Inference:ContextSize"] = "512",
            ["Inference:Threads"] = "2",
            ["Retrieval:Embedder"] = "None",
            ["Documents:QuotaMegabytesPerUser"] = "1000",
            // This test sends turns as fast as the disk takes them (up to 200): the per-user prompt rate limit is not what it is about.
            ["Conversations:MaxPromptsPerMinute"] = "0",
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddInference();
        builder.AddDocuments();
        builder.AddRetrieval();
        builder.AddConversations();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await host.Services.GetRequiredService<InferenceEngine>().LoadAsync();
        return host;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, text);
    }

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (_mounted)
        {
            await RunAsync("umount", "-l", _mount);
        }
        try
        {
            Directory.Delete(_mount, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
