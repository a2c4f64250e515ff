using System.Text.Json;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Review;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Core.Tests.Conversations;

/// <summary>A passage from a scanned page carries "read by OCR" (and OCR's confidence) from the page into its chunk, the grounded answer's sources, the review and the export.</summary>
public sealed class GroundedOcrSourceTests
{
    private static readonly Marking Confidential = new(ClassificationLevel.Confidential);

    [Fact]
    public async Task AnswerFromAScannedPage_ItsSourceSaysOcrWithTheConfidence_InTheAnswerTheReviewAndTheExport()
    {
        await using var host = await GroundedChatTestHost.StartAsync(_ => "The ferry leaves \"the northern pier at noon\" [1].");
        var library = await host.Retrieval.CreateLibraryAsync(GroundedChatTestHost.Admin.UserId, "Ports", Confidential, ["J2"], CancellationToken.None);
        var document = await host.StoreDocumentAsync("ferry-scan.pdf", Confidential,
            [("Cover sheet: harbor timetables, distribution list attached.", null), ("The island ferry leaves the northern pier at noon every Friday.", 0.91)]);
        await host.AddToLibraryAsync(library.Id, document, GroundedChatTestHost.Admin, CancellationToken.None);

        await using (var db = await host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var chunks = await db.Chunks.AsNoTracking().Where(c => c.DocumentId == document).OrderBy(c => c.Page).ToListAsync();
            Assert.Equal([1, 2], chunks.Select(c => c.Page));
            Assert.True(!chunks[0].Ocr && chunks[0].OcrConfidence is null, "the text-layer page's chunk says OCR");
            Assert.True(chunks[1].Ocr && chunks[1].OcrConfidence == 0.91, "the scanned page's chunk does not say OCR 0.91");
        }

        var analyst = GroundedChatTestHost.Analyst("c-analyst", ClassificationLevel.Confidential);
        var session = await host.Conversations.CreateSessionAsync(analyst, null, null, CancellationToken.None);
        await host.Grounded.SetLibrariesAsync(analyst, session.Id, [library.Id], CancellationToken.None);
        var started = await host.Turns.SendAsync(analyst, session.Id, "When does the island ferry leave the northern pier?", null, null, CancellationToken.None);
        var answer = await host.FinishedAsync(started.AnswerId);
        var view = (await host.Grounded.GetAnswersAsync([answer], CancellationToken.None))[answer.Id];

        var scanned = view.Sources.Single(s => s.Page == 2);
        Assert.Equal(1, scanned.Number);
        Assert.True(scanned.Ocr);
        Assert.Equal(0.91, scanned.OcrConfidence);
        Assert.All(view.Sources.Where(s => s.Page == 1), s => Assert.False(s.Ocr));

        var review = ReviewEvidence.For([answer], new Dictionary<Guid, GroundedAnswerView> { [answer.Id] = view }, analyst.Authorization)[answer.Id];
        var reviewed = review.Sources.Single(s => s.Number == 1);
        Assert.True(reviewed.Ocr);
        Assert.Equal(0.91, reviewed.OcrConfidence);

        var exporter = host.Host.Services.GetRequiredService<ConversationExporter>();
        var markdown = await exporter.ToMarkdownAsync(analyst, session.Id, CancellationToken.None);
        Assert.Contains("ferry-scan.pdf, p. 2, OCR 91% (document", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("p. 1, OCR", markdown, StringComparison.Ordinal);
        var json = JsonDocument.Parse(await exporter.ToJsonAsync(analyst, session.Id, CancellationToken.None)).RootElement;
        var exported = json.GetProperty("messages").EnumerateArray().Last().GetProperty("grounding").GetProperty("sources").EnumerateArray()
            .Single(s => s.GetProperty("page").GetInt32() == 2);
        Assert.True(exported.GetProperty("ocr").GetBoolean());
        Assert.Equal(0.91, exported.GetProperty("ocrConfidence").GetDouble());
    }
}
