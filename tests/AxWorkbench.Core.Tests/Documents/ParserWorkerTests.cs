using System.Diagnostics;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Worker;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>The worker process: hostile files refused within 10 s, crashes and hangs survived, the worker recycled.</summary>
public sealed class ParserWorkerTests(ITestOutputHelper output)
{
    public static TheoryData<string> HostileKinds => ["flate-bomb", "recursive-forms", "docx-100k-deep", "zip-bomb", "glyph-bomb", "exe-renamed"];

    [Theory]
    [MemberData(nameof(HostileKinds))]
    public async Task HostileFile_IsRefusedWithAClearMessageWithin10Seconds(string kind)
    {
        var content = kind switch
        {
            "flate-bomb" => HostileFiles.FlateBombPdf(),
            "recursive-forms" => HostileFiles.RecursiveFormsPdf(),
            "docx-100k-deep" => HostileFiles.DeeplyNestedDocx(),
            "zip-bomb" => HostileFiles.ZipBombDocx(),
            "glyph-bomb" => HostileFiles.GlyphBombPdf(),
            _ => HostileFiles.Executable(),
        };
        var path = WorkerHost.WriteTemp(content, kind + ".pdf");
        await using var worker = WorkerHost.Start();
        await worker.SendAsync(WorkerProtocol.PingCommand, null, null, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.ParseAsync(path));
        clock.Stop();
        output.WriteLine($"{kind} ({content.Length:N0} bytes): {ex.Reason} in {clock.ElapsedMilliseconds} ms: {ex.Message}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{kind} took {clock.Elapsed}");
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));

        // Whatever happened, the next file parses (in the same or a fresh worker).
        var ok = await worker.ParseAsync(WorkerHost.WriteTemp(HostileFiles.TextPdf("after"), "after.pdf"));
        Assert.Contains("after", ok.Pages[0].Text, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public async Task WorkerCrash_RefusesThatFile_AndTheNextRequestGetsAFreshWorker()
    {
        await using var worker = WorkerHost.Start();
        await worker.SendAsync(WorkerProtocol.PingCommand, null, null, CancellationToken.None);
        var first = worker.WorkerProcessId;
        var ex = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.SendAsync(WorkerProtocol.CrashCommand, null, null, CancellationToken.None));
        Assert.Equal(RejectionReason.WorkerCrashed, ex.Reason);

        var parsed = await worker.ParseAsync(WorkerHost.WriteTemp(HostileFiles.TextPdf("alive again"), "alive.pdf"));
        Assert.Contains("alive again", parsed.Pages[0].Text, StringComparison.Ordinal);
        Assert.Equal(1, worker.Restarts);
        Assert.NotEqual(first, worker.WorkerProcessId);
    }

    [Fact]
    public async Task HungWorker_IsKilledAtTheWallClockLimit()
    {
        // The worker is started (and answers a ping) under a generous limit: on a loaded machine a fresh .NET process
        // can take over 2 s to answer, which is not what this test is about. The limit is read per request.
        var options = new ParserWorkerOptions { TimeoutSeconds = 60 };
        await using var worker = WorkerHost.Start(options);
        await worker.SendAsync(WorkerProtocol.PingCommand, null, null, CancellationToken.None);
        var hung = worker.WorkerProcessId!.Value;
        options.TimeoutSeconds = 2;
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<DocumentRejectedException>(() => worker.SendAsync(WorkerProtocol.HangCommand, null, null, CancellationToken.None));
        Assert.Equal(RejectionReason.Timeout, ex.Reason);
        // Not before the limit; the upper bound only says "killed", with room for a busy machine.
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 15);
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(hung));

        // The next file, in a new worker, is not about the limit: at load ~30 in the suite a normal parse overran 2 s.
        options.TimeoutSeconds = 60;
        var parsed = await worker.ParseAsync(WorkerHost.WriteTemp(HostileFiles.TextPdf("next"), "next.pdf"));
        Assert.Contains("next", parsed.Pages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerCancellation_WhileTheWorkerStarts_LeavesNoStaleAnswerForTheNextFile()
    {
        await using var worker = WorkerHost.Start(timeoutSeconds: 30);
        using var cancel = new CancellationTokenSource();
        cancel.CancelAfter(TimeSpan.FromMilliseconds(50)); // after the process starts, long before it answers its first ping
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker.SendAsync(WorkerProtocol.HangCommand, null, null, cancel.Token));
        Assert.Null(worker.WorkerProcessId);

        // Before the fix the starting worker survived, and its late answer to the start-up ping was read as the
        // answer to the next file, which was then refused as "the parser stopped on this file".
        var parsed = await worker.ParseAsync(WorkerHost.WriteTemp(HostileFiles.TextPdf("after"), "after.pdf"));
        Assert.Contains("after", parsed.Pages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerCancellation_StopsTheWorkerAndThrowsCancelled()
    {
        await using var worker = WorkerHost.Start(timeoutSeconds: 30);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker.SendAsync(WorkerProtocol.HangCommand, null, null, cancel.Token));
        Assert.Null(worker.WorkerProcessId);
    }
}
