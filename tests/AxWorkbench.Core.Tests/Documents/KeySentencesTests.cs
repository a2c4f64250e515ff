using System.Diagnostics;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

public sealed class KeySentencesTests(ITestOutputHelper output)
{
    [Fact]
    public void KeySentences_CiteTheirPages_AndFavourTheCentralTopic()
    {
        ParsedPage[] pages =
        [
            new(1, "The brigade will move the fuel convoy north on Tuesday. The fuel convoy needs escorts from the brigade. Lunch menus were printed in blue ink today."),
            new(2, "Escorts for the fuel convoy come from the second brigade battalion. The weather office expects light rain over the northern route and the convoy."),
        ];
        var sentences = KeySentences.Extract(pages, count: 2);
        Assert.Equal(2, sentences.Count);
        Assert.All(sentences, s => Assert.Contains("convoy", s.Text, StringComparison.Ordinal));
        Assert.DoesNotContain(sentences, s => s.Text.Contains("Lunch", StringComparison.Ordinal));
        Assert.Contains(sentences, s => s.Page == 1);
    }

    [Fact]
    public async Task KeySentences_OnARealCrsBrief_AreFiveSentencesWithValidPages()
    {
        var folder = Corpora.Folder("crs-reports/pdf/reports", output, nameof(KeySentences_OnARealCrsBrief_AreFiveSentencesWithValidPages));
        if (folder is null)
        {
            return;
        }
        var pdf = Directory.EnumerateFiles(folder, "*.pdf").OrderByDescending(f => new FileInfo(f).Length).First();
        await using var worker = WorkerHost.Start(timeoutSeconds: 60);
        var parsed = await worker.ParseAsync(pdf);
        var clock = Stopwatch.StartNew();
        var sentences = KeySentences.Extract(parsed.Pages, 5);
        clock.Stop();
        output.WriteLine($"{Path.GetFileName(pdf)}: {parsed.Pages.Count} pages, key sentences in {clock.ElapsedMilliseconds} ms");
        foreach (var s in sentences)
        {
            output.WriteLine($"  p.{s.Page}: {s.Text}");
        }
        Assert.Equal(5, sentences.Count);
        Assert.All(sentences, s => Assert.InRange(s.Page, 1, parsed.Pages.Count));
        // The time is reported, not asserted: timing targets belong in benchmarks, not in tests on a shared machine.
    }
}
