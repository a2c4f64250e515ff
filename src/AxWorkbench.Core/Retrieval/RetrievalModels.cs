using AxWorkbench.Core.Markings;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// A document handed to retrieval (by Documents, once parsed): identity and version, title, the
/// document's overall marking and its pages. Retrieval chunks, embeds and indexes it.
/// </summary>
public sealed record IndexedDocument(Guid DocumentId, int Version, string Title, Marking Marking, IReadOnlyList<DocumentPage> Pages);

/// <summary>
/// One page's text (1-based number) with optional portion markings over character spans of <paramref name="Text"/>;
/// <paramref name="Ocr"/> when the text was read by OCR from a scan, with OCR's mean word confidence (0-1).
/// </summary>
public sealed record DocumentPage(int Number, string Text, IReadOnlyList<PortionMarking>? Portions = null, bool Ocr = false, double? OcrConfidence = null);

/// <summary>The portion marking of a span of a page's text, e.g. a paragraph marked "(S//NF)".</summary>
public sealed record PortionMarking(int Start, int Length, Marking Marking);

/// <summary>A chunk as it is indexed: a contiguous span of one page of one document version (<c>Ocr</c>: the page was a scan read by OCR).</summary>
public sealed record IndexedChunk(
    long ChunkId,
    Guid DocumentId,
    int Version,
    string Title,
    int Page,
    int Start,
    int Length,
    string Text,
    Marking Marking,
    string Language,
    bool Ocr = false,
    double? OcrConfidence = null);

public enum RetrievalMode
{
    Hybrid,
    Bm25,
    Vector,
}

/// <summary>A search: the query, how many passages, which libraries (null: all the user may search) and the ranking mode.</summary>
public sealed record SearchRequest(string Query, int Top = 10, IReadOnlyCollection<Guid>? Libraries = null, RetrievalMode Mode = RetrievalMode.Hybrid);

/// <summary>
/// Ranked passages. <see cref="TotalMatches"/> counts the allowed chunks that matched (lexically, or by vector when
/// vectors took part); everything here is computed from the chunks the user may see, and nothing else.
/// </summary>
public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, int TotalMatches, string QueryLanguage, bool VectorsUsed)
{
    public static SearchResults Empty(string language) => new([], 0, language, false);
}

/// <summary>A highlighted span of <see cref="SearchHit.Text"/> (a query term after analysis).</summary>
public readonly record struct HighlightSpan(int Start, int Length);

public sealed record SearchHit(
    long ChunkId,
    Guid DocumentId,
    int Version,
    string Title,
    int Page,
    int Start,
    int Length,
    Marking Marking,
    string Text,
    IReadOnlyList<HighlightSpan> Highlights,
    double Score,
    float? Bm25Score,
    float? VectorScore,
    int? Bm25Rank,
    int? VectorRank,
    bool Ocr = false,
    double? OcrConfidence = null);

/// <summary>What an embedder is: a stable id (recorded with the index), its dimensions and the languages it reads (ISO 639-1).</summary>
public sealed record EmbedderProfile(string Id, int Dimensions, IReadOnlySet<string> Languages)
{
    public bool Reads(string language) => Languages.Contains(language);
}
