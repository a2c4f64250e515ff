using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Core.Tests.Documents;

public sealed class SqliteDocumentJobsTests() : DocumentJobsTests(DbProvider.Sqlite);

public sealed class PostgresDocumentJobsTests() : DocumentJobsTests(DbProvider.Postgres);

/// <summary>
/// The background job runner over a real SQLite file, the real parser worker and the real audit log. The chat client is
/// a scripted fake: these tests are about jobs (background, progress, cancel, interruption, resume, saving, audit), not
/// the model (see <see cref="FixtureModelSummaryTests"/> for the real engine).
/// </summary>
public abstract partial class DocumentJobsTests(DbProvider provider)
{
    private static readonly UserAuthorization SecretAnalyst = new(ClassificationLevel.Secret, new HashSet<string>());
    private static readonly WorkbenchActor Kim = new("kim", "kim", [], SecretAnalyst, ClientAddress: "127.0.0.1");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> SmallContext = new()
    {
        ["Documents:SummaryContextTokens"] = "1000", // with the no-model estimate (a token per byte): one seeded page per map step
        ["Documents:SummaryMaxTokens"] = "40",
        ["Documents:ConcurrentSummaries"] = "1",
    };

    private Task<DocumentsTestHost> StartAsync(ScriptedChatClient chat, string? directory = null) =>
        DocumentsTestHost.StartAsync(SmallContext, builder =>
        {
            builder.Services.AddSingleton<IChatClient>(chat);
            builder.Services.AddSingleton<IModelStatus>(new NoModel());
            builder.Services.AddSingleton<ITokenCounter>(new NoModel());
            builder.AddDocumentJobs();
        }, start: true, directory: directory, provider: provider);

    private static DocumentJobs Jobs(DocumentsTestHost host) => host.Services.GetRequiredService<DocumentJobs>();

    [Fact]
    public async Task Upload_IsStoredFirst_ThenParsedInTheBackground_ReadyOrFailedWithAuditedReason()
    {
        await using var host = await StartAsync(new ScriptedChatClient());
        var jobs = Jobs(host);
        var parsed = new ConcurrentDictionary<Guid, ParseJobUpdate>();
        jobs.ParseChanged += u => parsed[u.DocumentId] = u;

        var brief = await host.Library.StoreAsync(new MemoryStream(HostileFiles.TextPdf("(U) Convoy departs at dawn.")), "brief.pdf", Marking.Unclassified, SecretAnalyst, "kim", Kim);
        var program = await host.Library.StoreAsync(new MemoryStream(HostileFiles.Executable()), "report.pdf", new Marking(ClassificationLevel.Confidential), SecretAnalyst, "kim", Kim);
        Assert.Equal(DocumentStatus.Parsing, brief.Status);
        Assert.Contains(await host.Library.ListAsync(SecretAnalyst), d => d.Id == brief.Id && d.Status == DocumentStatus.Parsing);

        await jobs.EnqueueParseAsync(brief.Id, Kim);
        await jobs.EnqueueParseAsync(program.Id, Kim);
        await WaitUntilAsync(() => parsed.ContainsKey(brief.Id) && parsed.ContainsKey(program.Id));

        var list = await host.Library.ListAsync(SecretAnalyst);
        Assert.Equal(DocumentStatus.Ready, list.Single(d => d.Id == brief.Id).Status);
        var failed = list.Single(d => d.Id == program.Id);
        Assert.Equal(DocumentStatus.Failed, failed.Status);
        Assert.Contains("Windows program", failed.FailureReason, StringComparison.Ordinal);

        var audit = await AuditAsync(host, AuditActions.Upload);
        Assert.Contains(audit, r => r.Target == brief.Id.ToString() && r.Outcome == AuditOutcomes.Success && r.Actor == "kim");
        Assert.Contains(audit, r => r.Target == program.Id.ToString() && r.Outcome == AuditOutcomes.Success && r.Marking.Contains("CONFIDENTIAL", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Target == program.Id.ToString() && r.Outcome == AuditOutcomes.Failure && r.Details!.Contains("Windows program", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LongScan_ReportsEachPageOcrReaches_WhileTheWorkerParses_ThenReady()
    {
        ScanFiles.RequireTesseract();
        string[][] pages = [["Page one: the convoy left at dawn."], ["Page two: the bridge was closed."], ["Page three: the river rose overnight."]];
        var pdf = ScanFiles.ImageOnlyPdf([.. pages.Select(lines => ScanFiles.Page(lines))]);
        await using var host = await StartAsync(new ScriptedChatClient());
        var jobs = Jobs(host);
        var updates = new ConcurrentQueue<(ParseJobUpdate Update, AxWorkbench.Core.Documents.Parsing.ParseProgress? Seen)>();
        var done = new TaskCompletionSource<ParseJobUpdate>(TaskCreationOptions.RunContinuationsAsynchronously);
        var scan = await host.Library.StoreAsync(File.OpenRead(pdf), "scan.pdf", Marking.Unclassified, SecretAnalyst, "kim", Kim);
        jobs.ParseChanged += u =>
        {
            if (u.DocumentId != scan.Id)
            {
                return;
            }

            updates.Enqueue((u, jobs.ParseProgressOf(scan.Id)));
            if (u.Status != DocumentStatus.Parsing)
            {
                done.TrySetResult(u);
            }
        };

        await jobs.EnqueueParseAsync(scan.Id, Kim);
        var final = await done.Task.WaitAsync(Patience * 2);

        Assert.Equal(DocumentStatus.Ready, final.Status);
        var steps = updates.Where(u => u.Update.Progress is not null).ToList();
        Assert.Equal([(1, 3, 1), (2, 3, 2), (3, 3, 3)], steps.Select(u => (u.Update.Progress!.Step, u.Update.Progress.Steps, u.Update.Progress.Page)));
        Assert.All(steps, u =>
        {
            Assert.Equal(DocumentStatus.Parsing, u.Update.Status);
            Assert.Equal(AxWorkbench.Core.Documents.Parsing.PageSource.Ocr, u.Update.Progress!.Source);
            Assert.Equal(u.Update.Progress, u.Seen); // what the documents list reads while the page is being read
        });
        Assert.Null(jobs.ParseProgressOf(scan.Id));
    }

    [Fact]
    public async Task StoredButUnparsedAtShutdown_IsParsedAfterRestart()
    {
        var first = await DocumentsTestHost.StartAsync(SmallContext, provider: provider);
        var stored = await first.Library.StoreAsync(new MemoryStream(HostileFiles.TextPdf("(U) Left waiting.")), "waiting.pdf", Marking.Unclassified, SecretAnalyst, "kim", Kim);
        await first.DisposeHostAsync();

        await using var second = await StartAsync(new ScriptedChatClient(), first.Directory);
        await WaitUntilAsync(async () => (await second.Library.ListAsync(SecretAnalyst)).Single(d => d.Id == stored.Id).Status == DocumentStatus.Ready);
    }

    [Fact]
    public async Task Summary_RunsInBackground_IsSavedWithTheDocumentsMarking_AndEveryParagraphCitesPages()
    {
        var chat = new ScriptedChatClient();
        await using var host = await StartAsync(chat);
        var jobs = Jobs(host);
        var secret = new Marking(ClassificationLevel.Secret, ["ORCON"]);
        var document = await SeedAsync(host, 12, secret);
        var updates = new ConcurrentQueue<SummaryJobUpdate>();
        jobs.SummaryChanged += updates.Enqueue;
        var orcon = new UserAuthorization(ClassificationLevel.Secret, new HashSet<string> { "ORCON" });

        var id = await jobs.StartSummaryAsync(document, SummaryMode.Bluf, orcon, "kim", Kim);
        var done = await WaitForAsync(host, id, s => s.Status == SummaryStatus.Completed);

        Assert.Equal(secret, MarkingStorage.FromStorage(done.Marking));
        Assert.True(done.ChunksTotal > 12, $"12 map steps and at least one reduce step, got {done.ChunksTotal}");
        Assert.Equal(done.ChunksTotal, done.ChunksDone);
        var paragraphs = done.Text!.Split("\n\n");
        Assert.All(paragraphs, p => Assert.Matches(MapReduceSummarizer.Citation(), p));
        Assert.Contains(updates, u => u.SummaryId == id && u.Status == SummaryStatus.Running && u.Done > 0 && u.Done < u.Total);
        Assert.Equal(1.0, updates.Last(u => u.SummaryId == id).Fraction);
        Assert.All(chat.Options, o => Assert.Equal(RequestPriority.Background, o.GetPriority()));
        Assert.All(chat.Options, o => Assert.Equal("kim", o.GetUserId()));
        Assert.Single(await jobs.ListSummariesAsync(document, orcon));
        Assert.Empty(await jobs.ListSummariesAsync(document, SecretAnalyst)); // without ORCON the summary is not shown

        // The job saves its status, then writes the "finish" record: wait for that record rather than read too early.
        bool Ours(AuditRecord r) => r.Target == document.ToString() && r.Marking.Contains("ORCON", StringComparison.Ordinal);
        var audit = await AuditAsync(host, AuditActions.Summary);
        for (var tries = 0; tries < 400 && audit.Count(Ours) < 2; tries++)
        {
            await Task.Delay(25); // polling for a record the job writes after its status, not a fixed sleep
            audit = await AuditAsync(host, AuditActions.Summary);
        }
        Assert.Equal(2, audit.Count(Ours));
        Assert.Contains(audit, r => r.Details!.Contains("\"stage\":\"finish\"", StringComparison.Ordinal) && r.Details.Contains("Completed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_StopsTheJobWithinAStep_AndSavesItCancelled()
    {
        var gate = new SemaphoreSlim(0);
        var chat = new ScriptedChatClient { BeforeAnswer = (_, ct) => gate.WaitAsync(ct) };
        await using var host = await StartAsync(chat);
        var jobs = Jobs(host);
        var document = await SeedAsync(host, 12, Marking.Unclassified);
        var id = await jobs.StartSummaryAsync(document, SummaryMode.KeyPoints, SecretAnalyst, "kim", Kim);
        gate.Release(2);
        await WaitUntilAsync(() => jobs.Progress(id)?.Done == 2);

        Assert.True(await jobs.CancelAsync(id, "kim"));
        var cancelled = await WaitForAsync(host, id, s => s.Status == SummaryStatus.Cancelled);

        Assert.Equal(3, chat.Calls); // the third call was waiting and was cancelled; no fourth
        Assert.Equal(2, cancelled.ChunksDone);
        Assert.Null(cancelled.Text);
    }

    [Fact]
    public async Task RunningAtShutdown_IsMarkedInterrupted_AndResumesFromTheSavedChunkSummaries()
    {
        var gate = new SemaphoreSlim(0);
        var first = new ScriptedChatClient { BeforeAnswer = (_, ct) => gate.WaitAsync(ct) };
        var host = await StartAsync(first);
        var document = await SeedAsync(host, 12, Marking.Unclassified);
        var jobs = Jobs(host);
        var id = await jobs.StartSummaryAsync(document, SummaryMode.Executive, SecretAnalyst, "kim", Kim);
        gate.Release(5);
        await WaitUntilAsync(() => jobs.Progress(id)?.Done == 5);
        await host.StopAsync();
        await host.DisposeHostAsync();

        var second = new ScriptedChatClient();
        await using var restarted = await StartAsync(second, host.Directory);
        await Jobs(restarted).Recovered;
        var interrupted = (await Jobs(restarted).ListSummariesAsync(document, SecretAnalyst)).Single();
        Assert.Equal(SummaryStatus.Interrupted, interrupted.Status);

        Assert.True(await Jobs(restarted).ResumeAsync(id, SecretAnalyst, Kim));
        var done = await WaitForAsync(restarted, id, s => s.Status == SummaryStatus.Completed);

        var mapCalls = second.Prompts.Count(p => p.Contains("Summarize only", StringComparison.Ordinal));
        Assert.Equal(12 - 5, mapCalls); // the five saved chunk summaries were not asked again
        Assert.Equal(done.ChunksTotal, done.ChunksDone);
        await using var db = await restarted.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var chunks = await db.SummaryChunks.Where(c => c.SummaryId == id).ToListAsync();
        Assert.All(Enumerable.Range(1, 12), page => Assert.Contains(chunks, c => c.FirstPage <= page && page <= c.LastPage));
    }

    [Fact]
    public async Task LeftRunningByACrashedProcess_IsMarkedInterruptedAtStart()
    {
        var first = await DocumentsTestHost.StartAsync(SmallContext, provider: provider);
        var document = await SeedAsync(first, 3, Marking.Unclassified);
        var crashed = Guid.NewGuid();
        await using (var db = await first.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            db.Summaries.Add(new SummaryRecord { Id = crashed, DocumentId = document, Mode = SummaryMode.Bluf, Status = SummaryStatus.Running, Marking = "U", RequestedBy = "kim", StartedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        await first.DisposeHostAsync();

        await using var restarted = await StartAsync(new ScriptedChatClient(), first.Directory);
        await Jobs(restarted).Recovered;
        Assert.Equal(SummaryStatus.Interrupted, (await Jobs(restarted).ListSummariesAsync(document, SecretAnalyst)).Single().Status);
    }

    [Fact]
    public async Task Delete_OnlyUploaderOrAdmin_IsSoft_HiddenEverywhere_AndAudited()
    {
        await using var host = await StartAsync(new ScriptedChatClient());
        var result = await host.Library.ImportAsync(new MemoryStream(HostileFiles.TextPdf("(U) To be deleted.")), "old.pdf", Marking.Unclassified, SecretAnalyst, "kim", actor: Kim);
        var id = result.Document.Id;

        await Assert.ThrowsAsync<DocumentRefusedException>(() => host.Library.DeleteAsync(id, SecretAnalyst, "lee", isAdministrator: false, new WorkbenchActor("lee", "lee", [], SecretAnalyst)));
        Assert.NotNull(await host.Library.GetAsync(id, SecretAnalyst));
        Assert.True(await host.Library.DeleteAsync(id, SecretAnalyst, "kim", isAdministrator: false, Kim));

        Assert.Null(await host.Library.GetAsync(id, SecretAnalyst));
        Assert.DoesNotContain(await host.Library.ListAsync(SecretAnalyst), d => d.Id == id);
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var kept = await db.Documents.SingleAsync(d => d.Id == id);
            Assert.Equal("kim", kept.DeletedBy);
            Assert.True(File.Exists(host.Library.OriginalPath(kept.Sha256)), "the original is kept for reproducibility");
        }
        var audit = await AuditAsync(host, AuditActions.DocumentDeleted);
        Assert.Contains(audit, r => r.Actor == "lee" && r.Outcome == AuditOutcomes.Denied);
        Assert.Contains(audit, r => r.Actor == "kim" && r.Outcome == AuditOutcomes.Success && r.Target == id.ToString());
        Assert.False(await host.Library.DeleteAsync(id, SecretAnalyst, "admin", isAdministrator: true, new WorkbenchActor("admin", "admin", [Roles.Admin], SecretAnalyst)));
    }

    private static async Task<Guid> SeedAsync(DocumentsTestHost host, int pages, Marking marking)
    {
        var document = new DocumentRecord
        {
            Id = Guid.NewGuid(),
            FileName = $"brief-{pages}.pdf",
            Sha256 = new string('0', 64),
            Marking = MarkingStorage.ToStorage(marking),
            Status = DocumentStatus.Ready,
            Uploader = "kim",
            PageCount = pages,
            CreatedAt = DateTimeOffset.UtcNow,
            Pages = Enumerable.Range(1, pages).Select(n => new DocumentPage
            {
                Number = n,
                Text = string.Join(' ', Enumerable.Repeat($"Page {n} reports fuel stocks at depot {n}.", 12)),
            }).ToList(),
        };
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        db.Documents.Add(document);
        await db.SaveChangesAsync();
        return document.Id;
    }

    private static async Task<SummaryRecord> WaitForAsync(DocumentsTestHost host, Guid summaryId, Func<SummaryRecord, bool> condition)
    {
        SummaryRecord? found = null;
        await WaitUntilAsync(async () =>
        {
            await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
            found = await db.Summaries.AsNoTracking().SingleAsync(s => s.Id == summaryId);
            return condition(found);
        });
        return found!;
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    /// <summary>Waits for a condition the background job makes true (checked every 20 ms), failing after a minute.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(DocumentsTestHost host, string action) =>
        (await host.Services.GetRequiredService<AuditReader>().SearchAsync(new AuditFilter(Action: action), 0, 1000)).Records;

    /// <summary>No model loaded: not ready, and token counts are (over-)estimates.</summary>
    private sealed class NoModel : IModelStatus, ITokenCounter
    {
        public bool IsExact => false;

        public int ContextSize => 4096;

        public int CountTokens(string text) => System.Text.Encoding.UTF8.GetByteCount(text) + 1;

        public int CountChatTokens(IEnumerable<ChatMessage> messages) => messages.Sum(m => CountTokens(m.Text) + 8);

        public ModelState State => ModelState.NotLoaded;

        public string? Error => null;

        public ModelInfo? Info => null;

        public EngineMetrics Metrics => EngineMetrics.Empty;

        public double LoadProgress => 0;
    }

    /// <summary>Answers with a sentence citing the first page named in the prompt; can wait before answering.</summary>
    internal sealed partial class ScriptedChatClient : IChatClient
    {
        private int _calls;

        public ConcurrentQueue<string> PromptQueue { get; } = new();

        public List<string> Prompts => [.. PromptQueue];

        public ConcurrentQueue<ChatOptions?> Options { get; } = new();

        public int Calls => _calls;

        public Func<int, CancellationToken, Task>? BeforeAnswer { get; init; }

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls);
            if (BeforeAnswer is not null)
            {
                await BeforeAnswer(call, cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var prompt = string.Join('\n', messages.Select(m => m.Text));
            PromptQueue.Enqueue(prompt);
            Options.Enqueue(options);
            var page = PageMarker().Match(prompt) is { Success: true } m ? m.Groups["n"].Value : null;
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, page is null ? "Fuel stocks are reported." : $"Fuel stocks are reported [p. {page}].\n\nDepots are named."));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Summaries do not stream.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        [GeneratedRegex(@"\[(?:Page |p\. |pp\. )(?<n>\d+)")]
        private static partial Regex PageMarker();
    }
}
