using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>The int8 codes the vector scan reads before re-scoring its best candidates in float.</summary>
public sealed class VectorMathTests
{
    [Fact]
    public void DotInt8_EqualsTheScalarSum_AtEveryLength()
    {
        var random = new Random(3);
        foreach (var length in new[] { 0, 1, 15, 16, 17, 384, 385 })
        {
            var a = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
            var b = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();

            Assert.Equal(a.Zip(b, (x, y) => x * y).Sum(), VectorMath.DotInt8(a, b));
        }
    }

    [Fact]
    public void Int8Codes_OfUnitVectors_GiveTheCosineWithinAThousandth()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 50; trial++)
        {
            var a = UnitVector(random);
            var b = UnitVector(random);
            var codesA = new sbyte[384];
            var codesB = new sbyte[384];

            var scaleA = VectorMath.Quantize(a, codesA);
            var scaleB = VectorMath.Quantize(b, codesB);

            Assert.Contains(codesA, c => c is 127 or -127);
            Assert.InRange((VectorMath.DotInt8(codesA, codesB) * scaleA * scaleB) - VectorMath.Dot(a, b), -1e-3, 1e-3);
        }
    }

    private static float[] UnitVector(Random random)
    {
        var vector = Enumerable.Range(0, 384).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        VectorMath.Normalize(vector);
        return vector;
    }
}

/// <summary>The index's vector search (int8 scan, float re-scoring) against a brute-force float ranking.</summary>
public sealed class VectorSearchTests
{
    [Fact]
    public void VectorSearch_RanksAsTheExactFloatCosines()
    {
        var random = new Random(11);
        var library = Guid.NewGuid();
        var profile = new EmbedderProfile("test-384", 384, new HashSet<string>(StringComparer.Ordinal) { TextLanguage.English });
        var chunks = Enumerable.Range(1, 3000).Select(i =>
        {
            var vector = Enumerable.Range(0, 384).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            VectorMath.Normalize(vector);
            var text = $"report number {i} about the convoy";
            return new StoredChunk(new IndexedChunk(i, Guid.NewGuid(), 1, "t", 1, 0, text.Length, text, Marking.Unclassified, TextLanguage.English), vector, [library]);
        }).ToList();
        using var directory = new Lucene.Net.Store.RAMDirectory();
        using var index = RetrievalIndex.Open(directory, profile, chunks, null);
        var scope = new AccessScope(new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>()), new HashSet<Guid> { library });

        for (var q = 0; q < 10; q++)
        {
            var query = chunks[random.Next(chunks.Count)].Vector!.Select(v => v + (float)(random.NextDouble() * 0.05)).ToArray();
            VectorMath.Normalize(query);

            var hits = index.Search(scope, "convoy", query, 50, RetrievalMode.Vector).Hits;

            var expected = chunks.Select(c => (c.Chunk.ChunkId, Score: VectorMath.Dot(query, c.Vector!))).Where(c => c.Score > 0)
                .OrderByDescending(c => c.Score).ThenBy(c => c.ChunkId).Take(50).ToList();
            Assert.Equal(expected.Select(e => e.ChunkId), hits.Select(h => h.ChunkId));
            Assert.Equal(expected.Select(e => (double)e.Score), hits.Select(h => h.Score));
        }
    }
}
