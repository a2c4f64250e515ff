using System.Diagnostics;
using AxWorkbench.Core.Documents.Parsing;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// Every file of the hostile/odd corpora (pdf.js test PDFs, Open XML SDK and mammoth DOCX, real HWPX) through one
/// warm worker: each is parsed or refused with a message within 10 s, this process never dies, and the worker
/// comes back after anything that kills it. Reports counts by outcome, worker restarts and the slowest files.
/// OCR is off here: this is the parsers' bound. With OCR on, image pages take seconds each and are bounded per page
/// (Documents:Worker:OcrPageSeconds): measured on this corpus, 562 files in 410 s, no worker restart, bomb_giant.pdf
/// refused at the 60 s page limit and the slowest scan (16 pages) read in 79 s.
/// </summary>
public sealed class CorpusRobustnessTests(ITestOutputHelper output)
{
    private static readonly ParserLimits WithoutOcr = ParserLimits.Default with { Ocr = false };

    private static readonly string[] Folders = ["pdfjs-test-pdfs/pdfs", "openxml-sdk-docx", "mammoth-docx", "hwpx"];

    [Fact]
    public async Task EveryCorpusFile_IsParsedOrRefusedWithin10Seconds_ThroughOneWorker()
    {
        var files = new List<string>();
        foreach (var relative in Folders)
        {
            var folder = Corpora.Folder(relative, output, nameof(EveryCorpusFile_IsParsedOrRefusedWithin10Seconds_ThroughOneWorker));
            if (folder is null)
            {
                return;
            }
            // The documents themselves (hwpx/hwp5 holds legacy HWP binaries, refused by type); not licences or manifests.
            files.AddRange(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".pdf" or ".docx" or ".hwpx" or ".hwp" or ".zip")
                .Order(StringComparer.Ordinal));
        }

        // Plus the hostile files the tests make.
        files.Add(WorkerHost.WriteTemp(HostileFiles.FlateBombPdf(), "made-flate-bomb.pdf"));
        files.Add(WorkerHost.WriteTemp(HostileFiles.RecursiveFormsPdf(), "made-recursive-forms.pdf"));
        files.Add(WorkerHost.WriteTemp(HostileFiles.GlyphBombPdf(), "made-glyph-bomb.pdf"));
        files.Add(WorkerHost.WriteTemp(HostileFiles.DeeplyNestedDocx(), "made-nested-100k.docx"));
        files.Add(WorkerHost.WriteTemp(HostileFiles.ZipBombDocx(), "made-zip-bomb.docx"));
        files.Add(WorkerHost.WriteTemp(HostileFiles.Executable(), "made-program.pdf"));

        await using var worker = WorkerHost.Start();
        var outcomes = new List<(string File, string Outcome, TimeSpan Elapsed, string Detail)>();
        var total = Stopwatch.StartNew();
        foreach (var file in files)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var parsed = await worker.ParseAsync(file, limits: WithoutOcr);
                outcomes.Add((file, "parsed", clock.Elapsed, $"{parsed.Format}, {parsed.Pages.Count} pages, {parsed.CharacterCount:N0} chars"));
            }
            catch (DocumentRejectedException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                outcomes.Add((file, "rejected: " + ex.Reason, clock.Elapsed, ex.Message));
            }
        }
        total.Stop();

        output.WriteLine($"{files.Count} files in {total.Elapsed.TotalSeconds:N1} s, worker restarts: {worker.Restarts}");
        foreach (var group in outcomes.GroupBy(o => (Folder: o.File.StartsWith(Corpora.Root, StringComparison.Ordinal) ? Path.GetRelativePath(Corpora.Root, o.File).Split(Path.DirectorySeparatorChar)[0] : "made-by-tests", o.Outcome)).OrderBy(g => g.Key.Folder).ThenBy(g => g.Key.Outcome))
        {
            output.WriteLine($"  {group.Key.Folder,-18} {group.Key.Outcome,-32} {group.Count(),4}");
        }
        output.WriteLine("Slowest:");
        foreach (var slow in outcomes.OrderByDescending(o => o.Elapsed).Take(5))
        {
            output.WriteLine($"  {slow.Elapsed.TotalMilliseconds,8:N0} ms  {Path.GetFileName(slow.File)}  {slow.Outcome}  {slow.Detail}");
        }
        foreach (var rejected in outcomes.Where(o => o.Outcome != "parsed" && !o.File.EndsWith(".hwp", StringComparison.Ordinal)))
        {
            output.WriteLine($"  {Path.GetFileName(rejected.File)}: {rejected.Outcome}: {rejected.Detail}");
        }

        Assert.All(outcomes, o => Assert.True(o.Elapsed < TimeSpan.FromSeconds(10), $"{o.File} took {o.Elapsed}"));
        Assert.Equal(files.Count, outcomes.Count);
        // Most of the real material must still be read, not refused wholesale.
        Assert.True(outcomes.Count(o => o.Outcome == "parsed") > files.Count * 0.7, "fewer than 70% of the corpus files parsed");
        Assert.Contains(outcomes, o => o.File.EndsWith("issue19800.pdf", StringComparison.Ordinal) && o.Outcome.Contains(nameof(RejectionReason.RecursiveStructure), StringComparison.Ordinal));
        Assert.All(outcomes.Where(o => Path.GetFileName(o.File).Contains("-made-", StringComparison.Ordinal)), o => Assert.StartsWith("rejected", o.Outcome, StringComparison.Ordinal));
    }
}
