using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Documents.Summaries;

public enum SummaryMode
{
    /// <summary>Bottom line up front, military style.</summary>
    Bluf,
    Executive,
    KeyPoints,
    /// <summary>A summary in the other language (Korean ↔ English).</summary>
    Translation,
}

/// <summary>A summary of pages <see cref="FirstPage"/>–<see cref="LastPage"/>.</summary>
public sealed record ChunkSummary(int FirstPage, int LastPage, string Text)
{
    public string Citation => FirstPage == LastPage
        ? string.Create(CultureInfo.InvariantCulture, $"[p. {FirstPage}]")
        : string.Create(CultureInfo.InvariantCulture, $"[pp. {FirstPage}-{LastPage}]");
}

/// <summary>Progress in model calls: <see cref="Done"/> of <see cref="Total"/> (the total grows as reduce levels are planned).</summary>
public sealed record SummaryProgress(int Done, int Total, string Stage)
{
    public double Fraction => Total == 0 ? 0 : (double)Done / Total;
}

public sealed record DocumentSummary(SummaryMode Mode, string Text, IReadOnlyList<ChunkSummary> ChunkSummaries);

/// <summary>How much of the model's context a summary step may use.</summary>
public sealed record SummarizerSettings
{
    /// <summary>The model's context in tokens.</summary>
    public int ContextTokens { get; init; } = 4096;

    /// <summary>The most tokens one summary step may answer with (kept free in the context).</summary>
    public int MaxSummaryTokens { get; init; } = 300;

    /// <summary>The user the summary is for (sent with <see cref="InferenceChatOptions.ForUser"/>, so the engine shares fairly between users).</summary>
    public string? UserId { get; init; }
}

/// <summary>
/// Map results already made (<see cref="Done"/>, in chunk order) and where to save each new one as soon as it is made:
/// a job interrupted by a shutdown resumes from its saved chunk summaries instead of starting over.
/// </summary>
public sealed record SummaryCheckpoint(IReadOnlyList<ChunkSummary> Done, Func<int, ChunkSummary, CancellationToken, Task> SaveAsync);

/// <summary>
/// Summarizes a document of any length: pages are packed into chunks that fit the context (measured with
/// <see cref="ITokenCounter"/>: the step's instruction and chat template, the text and the answer), each chunk is summarized
/// citing its pages (map), then summaries are combined in groups that fit, level by level, until one remains (reduce).
/// Every call asks for <see cref="RequestPriority.Background"/> (<see cref="InferenceChatOptions.WithPriority"/>) so chat overtakes
/// it in the engine; cancellation stops it within one step. Every paragraph of the result cites pages.
/// </summary>
public sealed partial class MapReduceSummarizer(IChatClient chat, ITokenCounter tokens, SummarizerSettings? settings = null)
{
    /// <summary>Tokens kept free for where tokenizing pieces apart and together differs (at each joint).</summary>
    private const int JointMargin = 16;

    private readonly SummarizerSettings _settings = settings ?? new SummarizerSettings();

    /// <summary>
    /// Tokens of document text (or partial summaries) one step may carry: the context less the answer, and less the
    /// longest instruction of any step in its chat template, as the model counts them.
    /// </summary>
    public int TextTokens => _settings.ContextTokens - _settings.MaxSummaryTokens - JointMargin - Enum.GetValues<SummaryMode>()
        .SelectMany(m => new[] { MapInstruction(m, 99_999, 99_999), ReduceInstruction(m) })
        .Max(i => tokens.CountChatTokens([new ChatMessage(ChatRole.System, i), new ChatMessage(ChatRole.User, "")]));

    /// <summary>The map step's chunks: consecutive pages (a long page split into parts), each within the context budget.</summary>
    public IReadOnlyList<(int FirstPage, int LastPage, string Text)> Chunk(IReadOnlyList<ParsedPage> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var budget = Math.Max(1, TextTokens);
        var chunks = new List<(int, int, string)>();
        var current = new StringBuilder();
        int first = 0, last = 0, used = 0;
        void Flush()
        {
            if (current.Length > 0)
            {
                chunks.Add((first, last, current.ToString()));
                current.Clear();
                used = 0;
            }
        }
        foreach (var page in pages.Where(p => !string.IsNullOrWhiteSpace(p.Text)))
        {
            var header = string.Create(CultureInfo.InvariantCulture, $"[Page {page.Number}]\n");
            foreach (var part in Split(page.Text, Math.Max(1, budget - tokens.CountTokens(header) - 2)))
            {
                var piece = header + part + "\n";
                var cost = tokens.CountTokens(piece);
                if (used + cost > budget)
                {
                    Flush();
                }
                if (current.Length == 0)
                {
                    first = page.Number;
                }
                last = page.Number;
                current.Append(piece);
                used += cost;
            }
        }
        Flush();
        return chunks;
    }

    /// <summary>Text cut into parts of at most <paramref name="limit"/> tokens each, at a space where one is near the cut.</summary>
    private List<string> Split(string text, int limit)
    {
        var parts = new List<string>();
        var rest = text;
        while (tokens.CountTokens(rest) > limit)
        {
            // The longest prefix that fits (binary search on its length; a token covers at least one character).
            int low = 1, high = rest.Length - 1;
            while (low < high)
            {
                var mid = (low + high + 1) / 2;
                if (tokens.CountTokens(rest[..mid]) <= limit)
                {
                    low = mid;
                }
                else
                {
                    high = mid - 1;
                }
            }
            var cut = low;
            var space = rest.LastIndexOfAny([' ', '\n'], cut - 1, cut / 2);
            cut = space > 0 ? space + 1 : cut;
            if (char.IsHighSurrogate(rest[cut - 1]) && cut > 1)
            {
                cut--;
            }
            parts.Add(rest[..cut]);
            rest = rest[cut..];
        }
        parts.Add(rest);
        return parts;
    }

    public Task<DocumentSummary> SummarizeAsync(IReadOnlyList<ParsedPage> pages, SummaryMode mode, IProgress<SummaryProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SummarizeAsync(pages, mode, null, progress, cancellationToken);

    /// <summary>
    /// As above, resuming from <paramref name="checkpoint"/>: map results already saved whose pages match the plan are
    /// reused, and each new one is saved through it before the next model call.
    /// </summary>
    public async Task<DocumentSummary> SummarizeAsync(IReadOnlyList<ParsedPage> pages, SummaryMode mode, SummaryCheckpoint? checkpoint, IProgress<SummaryProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var chunks = Chunk(pages);
        if (chunks.Count == 0)
        {
            return new DocumentSummary(mode, "", []);
        }
        var total = chunks.Count;
        var done = 0;
        progress?.Report(new SummaryProgress(done, total, "map"));

        var mapped = new List<ChunkSummary>(chunks.Count);
        var saved = checkpoint?.Done ?? [];
        for (var i = 0; i < chunks.Count; i++)
        {
            var (firstPage, lastPage, text) = chunks[i];
            if (i < saved.Count && saved[i].FirstPage == firstPage && saved[i].LastPage == lastPage)
            {
                mapped.Add(saved[i]);
                progress?.Report(new SummaryProgress(++done, total, "map"));
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            var summary = new ChunkSummary(firstPage, lastPage, await AskAsync(MapInstruction(mode, firstPage, lastPage), text, cancellationToken));
            mapped.Add(summary);
            if (checkpoint is not null)
            {
                await checkpoint.SaveAsync(i, summary, cancellationToken);
            }
            progress?.Report(new SummaryProgress(++done, total, "map"));
        }

        var level = mapped;
        while (level.Count > 1)
        {
            var groups = Group(level);
            if (groups.Count == level.Count)
            {
                // Every summary alone fills the budget: combine pairs so the recursion always ends.
                groups = level.Chunk(2).Select(g => g.ToList()).ToList();
            }
            total += groups.Count;
            var next = new List<ChunkSummary>(groups.Count);
            foreach (var group in groups)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var combined = string.Join("\n", group.Select(s => $"{s.Citation} {s.Text}"));
                var text = await AskAsync(ReduceInstruction(mode), combined, cancellationToken);
                next.Add(new ChunkSummary(group[0].FirstPage, group[^1].LastPage, text));
                progress?.Report(new SummaryProgress(++done, total, "reduce"));
            }
            level = next;
        }

        progress?.Report(new SummaryProgress(total, total, "done"));
        return new DocumentSummary(mode, CiteEveryParagraph(level[0].Text, level[0].Citation), mapped);
    }

    /// <summary>
    /// Paragraphs (separated by blank lines) that cite no page get the citation of the pages they were made from, so
    /// every paragraph of a saved summary points back into the document.
    /// </summary>
    public static string CiteEveryParagraph(string text, string fallbackCitation)
    {
        ArgumentNullException.ThrowIfNull(text);
        var paragraphs = ParagraphBreak().Split(text.Trim())
            .Select(p => p.Trim())
            .Where(p => p.Length > 0)
            .Select(p => Citation().IsMatch(p) ? p : $"{p} {fallbackCitation}")
            .ToList();
        return paragraphs.Count == 0 ? fallbackCitation : string.Join("\n\n", paragraphs);
    }

    /// <summary>Page citations: [p. 3], [pp. 2-5].</summary>
    [GeneratedRegex(@"\[pp?\. ?(?<first>\d+)(?:\s*[-–]\s*(?<last>\d+))?\]")]
    public static partial Regex Citation();

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex ParagraphBreak();

    private List<List<ChunkSummary>> Group(List<ChunkSummary> summaries)
    {
        var budget = TextTokens;
        var groups = new List<List<ChunkSummary>>();
        var size = 0;
        foreach (var summary in summaries)
        {
            var length = tokens.CountTokens($"{summary.Citation} {summary.Text}\n");
            if (groups.Count == 0 || size + length > budget)
            {
                groups.Add([]);
                size = 0;
            }
            groups[^1].Add(summary);
            size += length;
        }
        return groups;
    }

    private async Task<string> AskAsync(string instruction, string text, CancellationToken cancellationToken)
    {
        var options = new ChatOptions { MaxOutputTokens = _settings.MaxSummaryTokens, Temperature = 0.2f }.WithPriority(RequestPriority.Background);
        if (_settings.UserId is { Length: > 0 } userId)
        {
            options.ForUser(userId);
        }
        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, instruction), new ChatMessage(ChatRole.User, text)], options, cancellationToken);
        return response.Text.Trim();
    }

    private static string MapInstruction(SummaryMode mode, int firstPage, int lastPage) =>
        $"{Style(mode)} Summarize only the text below (pages {firstPage}-{lastPage}). Cite pages as [p. N] after each statement. Do not add facts.";

    private static string ReduceInstruction(SummaryMode mode) =>
        $"{Style(mode)} Combine these partial summaries into one. Keep every page citation such as [p. N] or [pp. N-M]. Do not add facts.";

    private static string Style(SummaryMode mode) => mode switch
    {
        SummaryMode.Bluf => "Write a BLUF (bottom line up front): the bottom line first in one sentence, then supporting points.",
        SummaryMode.Executive => "Write an executive summary in short paragraphs.",
        SummaryMode.KeyPoints => "Write key points as a bulleted list.",
        SummaryMode.Translation => "Write the summary in the other language: Korean text is summarized in English, English text in Korean.",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown summary mode."),
    };
}
