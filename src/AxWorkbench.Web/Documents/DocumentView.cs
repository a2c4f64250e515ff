using System.Globalization;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Markings;

namespace AxWorkbench.Web.Documents;

/// <summary>
/// What the reader shows of one document, computed once per document (not on every render or parameter change):
/// its marking, its pages, the portion marks found in them and its key sentences.
/// </summary>
public sealed class DocumentView
{
    private readonly Dictionary<(int Page, int Paragraph), Marking> _portions;

    private DocumentView(DocumentRecord document)
    {
        Document = document;
        Marking = MarkingStorage.FromStorage(document.Marking);
        Pages = [.. document.Pages.Select(p => new ParsedPage(p.Number, p.Text, p.Source, p.Confidence))];
        Sources = [.. Pages.GroupBy(p => p.Source).OrderBy(g => g.Key)
            .Select(g => new PageSourceGroup(g.Key, [.. g.Select(p => p.Number)], g.Average(p => p.Confidence)))];
        _portions = MarkingDetector.Detect(Pages).Where(m => !m.IsBanner).ToDictionary(m => (m.Page, m.Paragraph), m => m.Marking);
        KeySentences = Core.Documents.KeySentences.Extract(Pages, 5);
    }

    public DocumentRecord Document { get; }

    public Marking Marking { get; }

    public IReadOnlyList<ParsedPage> Pages { get; }

    public IReadOnlyList<KeySentence> KeySentences { get; }

    /// <summary>Which pages were read which way (text layer, OCR, pdftotext, not read), for the document's details.</summary>
    public IReadOnlyList<PageSourceGroup> Sources { get; }

    public static DocumentView From(DocumentRecord document) => new(document);

    /// <summary>A paragraph without its own portion mark inherits the document's marking.</summary>
    public Marking PortionOf(int page, int paragraph) => _portions.TryGetValue((page, paragraph), out var own) ? own : Marking;
}

/// <summary>The pages read one way, and OCR's mean confidence over them (OCR only).</summary>
public sealed record PageSourceGroup(PageSource Source, IReadOnlyList<int> Pages, double? MeanConfidence)
{
    /// <summary>"1-3, 5": runs of consecutive pages.</summary>
    public string PageList()
    {
        var parts = new List<string>();
        for (var i = 0; i < Pages.Count;)
        {
            var j = i;
            while (j + 1 < Pages.Count && Pages[j + 1] == Pages[j] + 1)
            {
                j++;
            }
            parts.Add(j == i ? Pages[i].ToString(CultureInfo.InvariantCulture) : $"{Pages[i].ToString(CultureInfo.InvariantCulture)}-{Pages[j].ToString(CultureInfo.InvariantCulture)}");
            i = j + 1;
        }
        return string.Join(", ", parts);
    }
}
