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
        Pages = [.. document.Pages.Select(p => new ParsedPage(p.Number, p.Text))];
        _portions = MarkingDetector.Detect(Pages).Where(m => !m.IsBanner).ToDictionary(m => (m.Page, m.Paragraph), m => m.Marking);
        KeySentences = Core.Documents.KeySentences.Extract(Pages, 5);
    }

    public DocumentRecord Document { get; }

    public Marking Marking { get; }

    public IReadOnlyList<ParsedPage> Pages { get; }

    public IReadOnlyList<KeySentence> KeySentences { get; }

    public static DocumentView From(DocumentRecord document) => new(document);

    /// <summary>A paragraph without its own portion mark inherits the document's marking.</summary>
    public Marking PortionOf(int page, int paragraph) => _portions.TryGetValue((page, paragraph), out var own) ? own : Marking;
}
