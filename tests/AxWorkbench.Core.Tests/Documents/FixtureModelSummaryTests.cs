using System.Collections.Concurrent;
using System.Diagnostics;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Tests.Inference;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// Map-reduce through the real engine: the small fixture GGUF through LLamaSharp (random weights, so the text is noise;
/// what is checked is that a document far larger than the 512-token context is covered, progress completes, every
/// prompt fits the context, and cancel stops within a step).
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class FixtureModelSummaryTests(ModelFixture model, ITestOutputHelper output)
{
    private static List<ParsedPage> Document(int pages) =>
        Enumerable.Range(1, pages).Select(n => new ParsedPage(n,
            $"Page {n}. The logistics battalion moved fuel from depot {n} to the forward area; stocks at the depot fell by {n * 7} percent. " +
            $"Escorts from company {n % 4 + 1} secured the route, and engineers repaired bridge {n} before the convoy crossed.")).ToList();

    private ModelTokenCounter Tokens => new(model.Engine, Microsoft.Extensions.Options.Options.Create(model.Options));

    private SummarizerSettings Settings() => new()
    {
        ContextTokens = model.Engine.Info!.ContextLength,
        MaxSummaryTokens = 8,
        UserId = "kim",
    };

    [Fact]
    public async Task DocumentLargerThanTheContext_EveryPageCovered_ProgressReaches100_OnTheFixtureModel()
    {
        var pages = Document(16);
        var chat = new CountingClient(new LocalChatClient(model.Engine));
        var settings = Settings();
        var summarizer = new MapReduceSummarizer(chat, Tokens, settings);
        var reports = new ConcurrentQueue<SummaryProgress>();
        var documentTokens = model.Engine.CountTokens(string.Concat(pages.Select(p => p.Text)));
        Assert.True(documentTokens > settings.ContextTokens, $"the document ({documentTokens} tokens) must not fit the context ({settings.ContextTokens})");

        var clock = Stopwatch.StartNew();
        var summary = await summarizer.SummarizeAsync(pages, SummaryMode.Bluf, new InlineProgress(reports.Enqueue));
        clock.Stop();

        Assert.True(summary.ChunkSummaries.Count > 1);
        var covered = summary.ChunkSummaries.SelectMany(c => Enumerable.Range(c.FirstPage, c.LastPage - c.FirstPage + 1)).ToHashSet();
        Assert.All(pages, p => Assert.Contains(p.Number, covered));
        Assert.Equal(1.0, reports.Last().Fraction);
        Assert.Equal(reports.Last().Total, chat.Calls);
        Assert.All(summary.Text.Split("\n\n"), p => Assert.Matches(MapReduceSummarizer.Citation(), p));
        output.WriteLine($"fixture model summary: {pages.Count} pages, {documentTokens} tokens, {summary.ChunkSummaries.Count} chunks, {chat.Calls} model calls, " +
            $"{clock.Elapsed.TotalSeconds:N2} s = {clock.Elapsed.TotalMilliseconds / pages.Count:N0} ms/page");
    }

    [Fact]
    public async Task Cancel_StopsWithinOneStep_OnTheFixtureModel()
    {
        var pages = Document(16);
        using var cancel = new CancellationTokenSource();
        var chat = new CountingClient(new LocalChatClient(model.Engine)) { AfterCall = calls => { if (calls == 2) { cancel.Cancel(); } } };
        var summarizer = new MapReduceSummarizer(chat, Tokens, Settings());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => summarizer.SummarizeAsync(pages, SummaryMode.KeyPoints, null, cancel.Token));
        Assert.Equal(2, chat.Calls);
    }

    private sealed class InlineProgress(Action<SummaryProgress> report) : IProgress<SummaryProgress>
    {
        public void Report(SummaryProgress value) => report(value);
    }

    private sealed class CountingClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        private int _calls;

        public int Calls => _calls;

        public Action<int>? AfterCall { get; init; }

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            var calls = Interlocked.Increment(ref _calls);
            AfterCall?.Invoke(calls);
            return response;
        }
    }
}
