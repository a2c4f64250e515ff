using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Lucene.Net.Store;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>
/// The access property of search: random users x random documents (markings with caveats, REL TO and portion
/// markings; libraries with member units). For every trial, no returned chunk is above the user's clearance or
/// outside their libraries, and the whole output (hits, order, scores, counts, texts, highlights, language, whether
/// vectors were used) and the prompt an answer would be given are identical to the same search on a corpus holding
/// only the chunks the user may see.
/// </summary>
public sealed class AccessPropertyTests(ITestOutputHelper output)
{
    private static readonly AxWorkbench.Core.Inference.ITokenCounter Tokens = AxWorkbench.Core.Tests.Inference.TestTokenCounters.Estimating(4096);

    private static readonly string[] _english =
        ["border", "missile", "launch", "battalion", "report", "convoy", "radar", "supply", "fuel", "bridge", "artillery", "signal",
         "northern", "sector", "movement", "observed", "brigade", "logistics", "airfield", "harbor", "submarine", "drone", "patrol", "bunker"];

    private static readonly string[] _korean =
        ["국경", "미사일", "발사", "대대", "보고서", "수송", "레이더", "보급", "연료", "교량", "포병", "신호", "북부", "전선", "이동", "관측", "여단", "군수", "비행장", "항구"];

    private static readonly string[] _caveats = ["SI", "TK", "NOFORN", "ORCON", "FOUO"];
    private static readonly string[] _nations = ["USA", "KOR", "GBR"];
    private static readonly string[] _units = ["1-BDE", "2-BDE", "J2", "ROK-3"];

    [Fact]
    public void RandomUsersAndDocuments_SearchSeesOnlyAllowedChunks_AndMatchesCorpusWithoutHiddenOnes()
    {
        const int corpora = 25;
        const int usersPerCorpus = 400;
        var trials = 0;
        var hiddenTrials = 0;
        var nonEmpty = 0;
        var references = 0;
        for (var c = 0; c < corpora; c++)
        {
            var random = new Random(1000 + c);
            var libraries = Enumerable.Range(0, 3).Select(_ => (Id: Guid.NewGuid(), Units: _units.Where(_ => random.Next(2) == 0).ToHashSet())).ToList();
            var chunks = RandomCorpus(random, libraries.Select(l => l.Id).ToList());
            using var full = Build(chunks);
            var cache = new Dictionary<string, RetrievalIndex>();
            try
            {
                for (var u = 0; u < usersPerCorpus; u++, trials++)
                {
                    var auth = new UserAuthorization((ClassificationLevel)random.Next(5), _caveats.Where(_ => random.Next(3) == 0).ToHashSet(), _nations[random.Next(_nations.Length)]);
                    var unit = _units[random.Next(_units.Length)];
                    var member = libraries.Where(l => l.Units.Contains(unit)).Select(l => l.Id).ToHashSet();
                    var scope = new AccessScope(auth, random.Next(4) == 0 ? member.Take(1).ToHashSet() : member);
                    var query = RandomQuery(random);
                    var mode = (RetrievalMode)random.Next(3);
                    var top = random.Next(1, 15);
                    var vector = HashingEmbedder.Embed(query);

                    var results = full.Search(scope, query, vector, top, mode);

                    var allowed = chunks.Where(s => Access.Dominates(auth, s.Chunk.Marking) && s.Libraries.Any(scope.Libraries.Contains)).ToList();
                    var allowedIds = allowed.Select(s => s.Chunk.ChunkId).ToHashSet();
                    foreach (var hit in results.Hits)
                    {
                        Assert.True(Access.Dominates(auth, hit.Marking), $"corpus {c} user {u}: chunk {hit.ChunkId} ({hit.Marking}) is above {auth}");
                        Assert.Contains(hit.ChunkId, allowedIds);
                    }

                    hiddenTrials += allowed.Count < chunks.Count ? 1 : 0;
                    nonEmpty += results.Hits.Count > 0 ? 1 : 0;
                    var key = string.Join(',', allowedIds.Order());
                    if (!cache.TryGetValue(key, out var reference))
                    {
                        reference = Build(allowed);
                        cache[key] = reference;
                        references++;
                    }

                    var expected = reference.Search(scope, query, vector, top, mode);
                    AssertIdentical(expected, results, $"corpus {c} user {u} query '{query}' mode {mode}");

                    // Answering sees the same: the assembled prompt and the answer's marking are those of the corpus without hidden chunks.
                    var built = ContextAssembler.Build(query, results.Hits, Tokens, 512, 5, "NONCE");
                    var expectedBuilt = ContextAssembler.Build(query, expected.Hits, Tokens, 512, 5, "NONCE");
                    Assert.Equal(expectedBuilt.Messages[1].Text, built.Messages[1].Text);
                    Assert.Equal(Marking.Join(expectedBuilt.Sources.Select(x => x.Hit.Marking)), Marking.Join(built.Sources.Select(x => x.Hit.Marking)));
                    Assert.All(built.Sources, x => Assert.True(Access.Dominates(auth, x.Hit.Marking)));
                }
            }
            finally
            {
                foreach (var index in cache.Values)
                {
                    index.Dispose();
                }
            }
        }

        output.WriteLine($"{trials} trials, {hiddenTrials} with hidden chunks, {nonEmpty} with hits, {references} reference corpora");
        Assert.True(trials >= 10_000);
        Assert.True(hiddenTrials > trials / 2, "the generator must hide something in most trials");
        Assert.True(nonEmpty > trials / 3, "the generator must produce hits in many trials");
    }

    private static void AssertIdentical(SearchResults expected, SearchResults actual, string context)
    {
        Assert.True(expected.TotalMatches == actual.TotalMatches, $"{context}: total {actual.TotalMatches}, without hidden chunks {expected.TotalMatches}");
        Assert.Equal(expected.QueryLanguage, actual.QueryLanguage);
        Assert.Equal(expected.VectorsUsed, actual.VectorsUsed);
        Assert.True(expected.Hits.Count == actual.Hits.Count, $"{context}: {actual.Hits.Count} hits, without hidden chunks {expected.Hits.Count}");
        for (var i = 0; i < expected.Hits.Count; i++)
        {
            var e = expected.Hits[i];
            var a = actual.Hits[i];
            Assert.True(e.ChunkId == a.ChunkId, $"{context}: hit {i} is chunk {a.ChunkId}, without hidden chunks {e.ChunkId}");
            Assert.True(e.Score.Equals(a.Score) && Nullable.Equals(e.Bm25Score, a.Bm25Score) && Nullable.Equals(e.VectorScore, a.VectorScore),
                $"{context}: hit {i} scores {a.Score}/{a.Bm25Score}/{a.VectorScore}, without hidden chunks {e.Score}/{e.Bm25Score}/{e.VectorScore}");
            Assert.Equal(e.Bm25Rank, a.Bm25Rank);
            Assert.Equal(e.VectorRank, a.VectorRank);
            Assert.Equal(e.Text, a.Text);
            Assert.Equal(e.Highlights, a.Highlights);
            Assert.Equal(e.Marking, a.Marking);
        }
    }

    internal static RetrievalIndex Build(IEnumerable<StoredChunk> chunks) =>
        RetrievalIndex.Open(new RAMDirectory(), HashingEmbedder.Profile, chunks);

    private static string RandomQuery(Random random)
    {
        var words = random.Next(3) == 0 ? _korean : _english;
        return string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => words[random.Next(words.Length)]));
    }

    /// <summary>6-12 documents of 1-2 pages, each with a marking, 1-2 libraries and portion-marked paragraphs, chunked for real.</summary>
    internal static List<StoredChunk> RandomCorpus(Random random, IReadOnlyList<Guid> libraries)
    {
        var chunker = new TextChunker(maxWords: 40, overlapWords: 8);
        var stored = new List<StoredChunk>();
        long nextId = 1;
        var documents = random.Next(6, 13);
        for (var d = 0; d < documents; d++)
        {
            var marking = RandomMarking(random);
            var pages = new List<DocumentPage>();
            for (var p = 1; p <= random.Next(1, 3); p++)
            {
                var text = new System.Text.StringBuilder();
                var portions = new List<PortionMarking>();
                for (var para = 0; para < random.Next(1, 5); para++)
                {
                    if (random.Next(4) == 0)
                    {
                        text.Append(random.Next(2) == 0 ? $"제{para + 1}조(목적)\n" : $"# Section {para + 1}\n");
                    }

                    var words = random.Next(3) == 0 ? _korean : _english;
                    var paragraph = string.Join(' ', Enumerable.Range(0, random.Next(5, 60)).Select(_ => words[random.Next(words.Length)]));
                    if (random.Next(2) == 0)
                    {
                        // A portion at or below the document's marking.
                        var portion = random.Next(2) == 0 ? marking : new Marking((ClassificationLevel)random.Next((int)marking.Level + 1));
                        portions.Add(new PortionMarking(text.Length, paragraph.Length, portion));
                    }

                    text.Append(paragraph).Append("\n\n");
                }

                pages.Add(new DocumentPage(p, text.ToString(), portions));
            }

            var document = new IndexedDocument(Guid.NewGuid(), 1, $"Brief {d}", marking, pages);
            var libs = libraries.Where(_ => random.Next(2) == 0).DefaultIfEmpty(libraries[random.Next(libraries.Count)]).ToList();
            foreach (var chunk in chunker.Chunk(document))
            {
                var indexed = new IndexedChunk(nextId++, document.DocumentId, document.Version, document.Title, chunk.Page, chunk.Start, chunk.Length, chunk.Text, chunk.Marking, chunk.Language);
                stored.Add(new StoredChunk(indexed, chunk.Language == TextLanguage.English ? HashingEmbedder.Embed(chunk.Text) : null, libs));
            }
        }

        return stored;
    }

    private static Marking RandomMarking(Random random)
    {
        var level = (ClassificationLevel)random.Next(5);
        var caveats = level >= ClassificationLevel.Confidential ? _caveats.Where(_ => random.Next(4) == 0).ToList() : [];
        string[]? relTo = random.Next(4) == 0 ? _nations.Where(_ => random.Next(2) == 0).Append("USA").Distinct().ToArray() : null;
        return new Marking(level, caveats, relTo);
    }
}
