using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Summaries;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// The map-reduce plan and its control flow, with a recording chat client (the test is about chunking, coverage,
/// progress and cancellation; the real engine's output is not what is checked here).
/// </summary>
public sealed partial class MapReduceSummarizerTests
{
    private static readonly SummarizerSettings SmallContext = new() { ContextTokens = 1200, MaxSummaryTokens = 40 };

    /// <summary>The product's counter without a model: a conservative estimate (a token per UTF-8 byte).</summary>
    private static readonly ITokenCounter Tokens = Inference.TestTokenCounters.Estimating();

    private static List<ParsedPage> LongDocument(int pages) =>
        Enumerable.Range(1, pages).Select(n => new ParsedPage(n, string.Join(' ', Enumerable.Repeat($"Page {n} reports fuel stocks at depot {n}.", 12)))).ToList();

    [Fact]
    public async Task DocumentLargerThanTheContext_EveryPageIsCoveredByAChunkSummary_AndProgressReaches100()
    {
        var chat = new RecordingChatClient();
        var summarizer = new MapReduceSummarizer(chat, Tokens, SmallContext);
        var pages = LongDocument(40);
        var reports = new ConcurrentQueue<SummaryProgress>();

        var summary = await summarizer.SummarizeAsync(pages, SummaryMode.Bluf, new SyncProgress<SummaryProgress>(reports.Enqueue));

        Assert.True(Tokens.CountTokens(string.Concat(pages.Select(p => p.Text))) > SmallContext.ContextTokens, "the document must not fit the context");
        Assert.True(summary.ChunkSummaries.Count > 1);
        var covered = summary.ChunkSummaries.SelectMany(c => Enumerable.Range(c.FirstPage, c.LastPage - c.FirstPage + 1)).ToHashSet();
        Assert.All(pages, p => Assert.Contains(p.Number, covered));
        Assert.All(chat.Messages, m =>
        {
            var used = Tokens.CountChatTokens(m) + SmallContext.MaxSummaryTokens;
            Assert.True(used <= SmallContext.ContextTokens, $"a step needs {used} tokens of a {SmallContext.ContextTokens}-token context");
        });
        Assert.Equal(1.0, reports.Last().Fraction);
        Assert.Matches(PageCitation(), summary.Text);
        Assert.All(chat.Options, o => Assert.Equal(RequestPriority.Background, o.GetPriority()));
    }

    [Fact]
    public async Task Cancel_StopsWithinOneStep()
    {
        using var cancel = new CancellationTokenSource();
        var chat = new RecordingChatClient { AfterCall = calls => { if (calls == 2) { cancel.Cancel(); } } };
        var summarizer = new MapReduceSummarizer(chat, Tokens, SmallContext);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => summarizer.SummarizeAsync(LongDocument(40), SummaryMode.KeyPoints, null, cancel.Token));
        Assert.Equal(2, chat.Prompts.Count);
    }

    [Fact]
    public void Chunks_KeepPageOrder_AndSplitOversizedPages()
    {
        var summarizer = new MapReduceSummarizer(new RecordingChatClient(), Tokens, SmallContext);
        var pages = new List<ParsedPage> { new(1, "short"), new(2, new string('x', 3000)), new(3, "tail") };
        var chunks = summarizer.Chunk(pages);
        Assert.Equal(1, chunks[0].FirstPage);
        Assert.Equal(3, chunks[^1].LastPage);
        Assert.True(chunks.Count >= 3);
        Assert.Equal(3000, chunks.Sum(c => c.Text.Count(ch => ch == 'x')));
    }

    [GeneratedRegex(@"\[pp?\. \d+(-\d+)?\]")]
    private static partial Regex PageCitation();

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Answers each call with a short summary that cites the pages named in the prompt.</summary>
    private sealed partial class RecordingChatClient : IChatClient
    {
        public ConcurrentQueue<string> PromptQueue { get; } = new();

        public List<string> Prompts => [.. PromptQueue];

        public ConcurrentQueue<List<ChatMessage>> Messages { get; } = new();

        public ConcurrentQueue<ChatOptions?> Options { get; } = new();

        public Action<int>? AfterCall { get; init; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var list = messages.ToList();
            var prompt = string.Join('\n', list.Select(m => m.Text));
            PromptQueue.Enqueue(prompt);
            Messages.Enqueue(list);
            Options.Enqueue(options);
            var pages = PageMarker().Matches(prompt).Select(m => m.Groups["n"].Value).Distinct().ToList();
            var reply = pages.Count > 0 ? $"Fuel stocks reported [p. {pages[0]}]." : "Fuel stocks reported overall.";
            AfterCall?.Invoke(PromptQueue.Count);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The summarizer does not stream.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        [GeneratedRegex(@"\[(?:Page |p\. |pp\. )(?<n>\d+)")]
        private static partial Regex PageMarker();
    }
}
