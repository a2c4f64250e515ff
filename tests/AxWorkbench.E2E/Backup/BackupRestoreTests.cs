using System.Text;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.E2E.Infrastructure;
using AxWorkbench.Web.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Backup;

/// <summary>
/// The operator's backup of a busy workbench: the real app (fixture model, parser worker) with four answers streaming
/// and a document import running; `backup` is taken from the operator command line meanwhile, restored with `restore`
/// into a new folder, and the real app started on that folder. Everything acknowledged before the backup started is
/// there; `audit verify` and `backup verify` pass; the retrieval index is rebuilt from the database.
/// </summary>
public sealed class BackupRestoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "axworkbench-backup-e2e-" + Guid.NewGuid().ToString("N"));

    private static WorkbenchActor Analyst(int i) => new(
        $"backup-analyst-{i}", $"backup-analyst-{i}", [Roles.Analyst],
        new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>(StringComparer.Ordinal)), "HQ", "127.0.0.1");

    private static async Task<(int Exit, string Output, string Error)> CliAsync(string data, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, stdout, stderr, new Dictionary<string, string?> { ["Data:DataDirectory"] = data, ["Markings:Scheme"] = "Us" });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task BackupWhileFourAnswersStreamAndAnImportRuns_RestoredAndStarted_HoldsEverythingAcknowledged_AndVerifies()
    {
        var backup = Path.Combine(_root, "backup");
        var restored = Path.Combine(_root, "restored");
        var sessions = new List<(WorkbenchActor Actor, Guid Session, string Text)>();
        Guid acknowledgedDocument;
        int indexedChunks;

        await using (var app = new WorkbenchAppFactory())
        {
            _ = app.ServerAddress;
            var services = app.Services;
            var conversations = services.GetRequiredService<ConversationService>();
            var turns = services.GetRequiredService<ConversationTurns>();
            var documents = services.GetRequiredService<DocumentLibrary>();
            var uploader = Analyst(0);

            // Acknowledged before the backup: one imported document and four user turns whose answers stream.
            var before = await documents.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("# Before\n\n(U) The lighthouse convoy left at dawn.\n")),
                "before.md", Marking.Unclassified, uploader.Authorization, uploader.UserId, actor: uploader);
            Assert.True(before.Succeeded, before.Document.FailureReason);
            acknowledgedDocument = before.Document.Id;
            await services.GetRequiredService<RetrievalService>().CreateLibraryAsync(uploader.UserId, "Backup test", Marking.Unclassified, ["HQ"], default);
            await services.GetRequiredService<LibraryIndexing>().AddToLibraryAsync("Backup test", acknowledgedDocument, uploader, default);
            indexedChunks = (await services.GetRequiredService<RetrievalIndexHost>().GetAsync(default)).ChunkCount;
            Assert.True(indexedChunks > 0, "the acknowledged document was not indexed");

            using var paced = app.StepGate.Pace(40);
            var generations = new List<ActiveGeneration>();
            for (var i = 0; i < 4; i++)
            {
                var actor = Analyst(i);
                var session = await conversations.CreateSessionAsync(actor, $"backup {i}", null, default);
                var text = $"backup turn {i}: report the convoy position";
                var started = await turns.SendAsync(actor, session.Id, text, null, new SamplingRequest(MaxTokens: 200, Seed: i), default);
                sessions.Add((actor, session.Id, text));
                generations.Add(started.Generation ?? throw new InvalidOperationException("the answer did not start"));
            }
            var import = Task.Run(() => documents.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat("(U) Supply route notes during the backup.", 400)))),
                "during.md", Marking.Unclassified, uploader.Authorization, uploader.UserId, actor: uploader));
            await WaitUntilAsync(() => generations.All(g => g.Pieces > 0), "all four answers streaming");

            var made = await CliAsync(app.DataDirectory, "backup", backup);
            var streamingAfterBackup = generations.Count(g => !g.Completion.IsCompleted);
            output.WriteLine(made.Output + made.Error);
            Assert.True(made.Exit == 0, made.Output + made.Error);
            Assert.True(streamingAfterBackup > 0, "every answer had finished before the backup did: it was not taken while they streamed");

            paced.Dispose();
            await Task.WhenAll(generations.Select(g => g.Completion)).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True((await import.WaitAsync(TimeSpan.FromMinutes(3))).Succeeded);
        }

        var verified = await CliAsync(restored, "backup", "verify", backup);
        var restore = await CliAsync(restored, "restore", backup, "--data", restored);
        output.WriteLine(verified.Output + restore.Output + restore.Error);
        Assert.True(verified.Exit == 0, verified.Output + verified.Error);
        Assert.True(restore.Exit == 0, restore.Output + restore.Error);
        Assert.False(Directory.Exists(Path.Combine(restored, "retrieval-index")), "the index is not part of a backup");

        await using (var app = new WorkbenchAppFactory(restored))
        {
            using var http = new HttpClient { BaseAddress = app.ServerAddress };
            Assert.Contains("Healthy", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)), StringComparison.Ordinal);
            var conversations = app.Services.GetRequiredService<ConversationService>();
            foreach (var (actor, session, text) in sessions)
            {
                var messages = await conversations.GetAllMessagesAsync(actor, session, default);
                Assert.Contains(messages, m => m.Role == MessageRole.User && m.Content == text);
                var answer = Assert.Single(messages, m => m.Role == MessageRole.Assistant);
                // Streaming when the snapshot was taken: the restored workbench marks it interrupted, never "generating".
                Assert.NotEqual(MessageStatus.Generating, answer.Status);
            }
            var document = await app.Services.GetRequiredService<DocumentLibrary>().GetAsync(acknowledgedDocument, Analyst(0).Authorization);
            Assert.Equal(DocumentStatus.Ready, document?.Status);
            var index = await app.Services.GetRequiredService<RetrievalIndexHost>().GetAsync(default);
            Assert.True(index.WasRebuilt, "the retrieval index should have been rebuilt from the restored database");
            Assert.Equal(indexedChunks, index.ChunkCount);
            Assert.True(Directory.Exists(Path.Combine(restored, "retrieval-index")));

            var audit = await CliAsync(restored, "audit", "verify");
            Assert.True(audit.Exit == 0, audit.Output + audit.Error);
            output.WriteLine(audit.Output);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
