using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Lucene.Net.Store;

namespace AxWorkbench.Core.Tests.Retrieval;

public sealed class ScoreFusionTests
{
    private static readonly FusionSettings _even = new(0.5, 1.0);

    private static List<int> Ids(List<(int Id, double Score)> fused) => [.. fused.Select(h => h.Id)];

    [Fact]
    public void Bm25TopHitWithLargeMargin_StaysFirst_EvenWhenVectorsPreferAnother()
    {
        // BM25: chunk 1 far ahead (margin 0.6). Vectors: chunk 2 first, chunk 1 last of its list.
        List<(int, float)> bm25 = [(1, 20f), (2, 8f), (3, 7f)];
        List<(int, float)> vectors = [(2, 0.80f), (3, 0.75f), (1, 0.40f)];

        var pinned = ScoreFusion.Fuse(bm25, vectors, new FusionSettings(0.4, 0.4), id => id);
        var unpinned = ScoreFusion.Fuse(bm25, vectors, new FusionSettings(0.4, 1.0), id => id);

        Assert.Equal(1, pinned[0].Id);
        Assert.NotEqual(1, unpinned[0].Id);
        Assert.Equal([.. unpinned.Select(h => h.Id).Where(id => id != 1)], pinned.Skip(1).Select(h => h.Id));
        Assert.True(pinned.Zip(pinned.Skip(1)).All(p => p.First.Score >= p.Second.Score), "scores stay in the order shown");
    }

    [Fact]
    public void Bm25TopHitWithSmallMargin_IsNotPinned_ScoresDecide()
    {
        List<(int, float)> bm25 = [(1, 10f), (2, 9.5f), (3, 1f)];
        List<(int, float)> vectors = [(2, 0.9f), (3, 0.5f), (1, 0.1f)];

        var fused = ScoreFusion.Fuse(bm25, vectors, new FusionSettings(0.4, 0.4), id => id);

        // 2: 0.4 * 0.944 + 0.6 * 1 beats 1: 0.4 * 1 + 0.6 * 0.
        Assert.Equal([2, 1, 3], Ids(fused));
    }

    [Fact]
    public void EvenWeights_AreSymmetric_SwappingTheListsGivesTheSameRanking()
    {
        List<(int, float)> a = [(1, 12f), (2, 9f), (3, 4f), (4, 1f)];
        List<(int, float)> b = [(3, 0.9f), (1, 0.7f), (5, 0.6f), (2, 0.2f)];

        var ab = ScoreFusion.Fuse(a, b, _even, id => id);
        var ba = ScoreFusion.Fuse(b, a, _even, id => id);

        Assert.Equal(Ids(ab), Ids(ba));
        Assert.Equal(ab.Select(h => h.Score), ba.Select(h => h.Score));
        Assert.Equal([1, 3, 2, 5, 4], Ids(ab));
    }

    [Fact]
    public void WeightOne_IsBm25Order_WeightZero_IsVectorOrder_WhenThePinIsOff()
    {
        List<(int, float)> bm25 = [(1, 12f), (2, 9f), (3, 4f)];
        List<(int, float)> vectors = [(3, 0.9f), (2, 0.8f), (1, 0.1f)];

        Assert.Equal([1, 2, 3], Ids(ScoreFusion.Fuse(bm25, vectors, new FusionSettings(1, 1), id => id)));
        Assert.Equal([3, 2, 1], Ids(ScoreFusion.Fuse(bm25, vectors, new FusionSettings(0, 1), id => id)));
    }

    [Fact]
    public void EmptyLists_GiveNothing_OneSideEmpty_GivesTheOtherSideUntouched()
    {
        List<(int, float)> bm25 = [(4, 3f), (2, 3f), (9, 0.5f)];
        List<(int, float)> vectors = [(7, 0.6f), (1, 0.2f)];

        Assert.Empty(ScoreFusion.Fuse([], [], FusionSettings.Default, id => id));
        var bm25Only = ScoreFusion.Fuse(bm25, [], FusionSettings.Default, id => id);
        var vectorsOnly = ScoreFusion.Fuse([], vectors, FusionSettings.Default, id => id);

        Assert.Equal(new List<(int, double)> { (4, 3.0), (2, 3.0), (9, 0.5) }, bm25Only);
        Assert.Equal([7, 1], Ids(vectorsOnly));
        Assert.Equal(0.6f, (float)vectorsOnly[0].Score);
    }

    [Fact]
    public void Ties_GoToTheSmallerTieKey()
    {
        List<(int, float)> bm25 = [(5, 2f), (6, 1f)];
        List<(int, float)> vectors = [(6, 0.9f), (5, 0.3f)];

        Assert.Equal([5, 6], Ids(ScoreFusion.Fuse(bm25, vectors, _even, id => id)));
        Assert.Equal([6, 5], Ids(ScoreFusion.Fuse(bm25, vectors, _even, id => -id)));
    }

    [Fact]
    public void KoreanQuery_HybridIsExactlyTheBm25Order_WithTheRealIndex()
    {
        var library = Guid.NewGuid();
        string[] texts =
        [
            "국방부는 북부 전선의 방공 레이더 배치를 검토하였다.", "레이더 기지 건설 예산이 국회에서 논의되었다.",
            "북부 전선 부대의 훈련 일정이 발표되었다.", "The radar sites along the northern front were reviewed.",
        ];
        var chunks = texts.Select((t, i) => new StoredChunk(
            new IndexedChunk(i + 1, Guid.NewGuid(), 1, $"doc {i}", 1, 0, t.Length, t, Marking.Unclassified, TextLanguage.Detect(t)),
            TextLanguage.Detect(t) == TextLanguage.English ? Unit(i) : null, [library])).ToList();
        var profile = new EmbedderProfile("test", 4, new HashSet<string> { TextLanguage.English });
        using var directory = new RAMDirectory();
        using var index = RetrievalIndex.Open(directory, profile, chunks, new FusionSettings(0.1, 1.0));
        var scope = new AccessScope(new UserAuthorization(ClassificationLevel.TopSecret, new HashSet<string>()), new HashSet<Guid> { library });

        var hybrid = index.Search(scope, "북부 전선 레이더", Unit(3), 10, RetrievalMode.Hybrid);
        var english = index.Search(scope, "radar northern front", Unit(3), 10, RetrievalMode.Hybrid);
        var bm25 = index.Search(scope, "북부 전선 레이더", null, 10, RetrievalMode.Bm25);

        Assert.False(hybrid.VectorsUsed);
        Assert.True(english.VectorsUsed, "the same index does use vectors for an English query");
        Assert.True(bm25.Hits.Count >= 2);
        Assert.Equal(bm25.Hits.Select(h => (h.ChunkId, h.Score)), hybrid.Hits.Select(h => (h.ChunkId, h.Score)));

        static float[] Unit(int i) => [.. Enumerable.Range(0, 4).Select(d => d == i % 4 ? 1f : 0f)];
    }

    [Theory]
    [InlineData(-0.1, 0.4)]
    [InlineData(1.1, 0.4)]
    [InlineData(0.4, -0.5)]
    [InlineData(0.4, 1.5)]
    public void OutOfRangeSettings_AreRefused(double weight, double margin)
    {
        using var directory = new RAMDirectory();
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrievalIndex.Open(directory, null, [], new FusionSettings(weight, margin)));
    }
}
