namespace AxWorkbench.Core.Inference;

/// <summary>
/// Writes the fixture model: a tiny llama-architecture GGUF with random F16 weights, deterministic from a seed,
/// an SPM vocabulary (byte tokens, English and Korean word pieces) and a ChatML template. Its output is noise.
/// </summary>
public static class FixtureModelWriter
{
    /// <summary>Value of <c>general.name</c> in every fixture; <see cref="IsFixture"/> keys on it.</summary>
    public const string FixtureName = "AxWorkbench fixture (random weights)";

    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    internal const string SpmSpace = "\u2581";

    private static readonly string[] EnglishWords =
    [
        "the", "a", "of", "and", "to", "in", "on", "for", "with", "from", "by", "at", "is", "was", "are", "will", "not", "this",
        "that", "report", "analysis", "summary", "source", "document", "brief", "signal", "unit", "region", "border", "activity",
        "movement", "assessment", "threat", "level", "high", "low", "moderate", "confidence", "observed", "reported", "near",
        "north", "south", "east", "west", "coast", "port", "vessel", "aircraft", "convoy", "supply", "route", "network",
        "command", "staff", "meeting", "plan", "operation", "exercise", "training", "period", "week", "day", "night", "morning",
        "new", "increased", "decreased", "stable", "indicates", "suggests", "likely", "unlikely", "possible", "evidence",
        "imagery", "intercept", "message", "channel", "contact", "officer", "team", "site", "facility", "storage", "fuel",
        "equipment", "radar", "missile", "launch", "test", "schedule", "update", "review", "analyst", "request", "response",
        "priority", "routine", "urgent", "classified", "release", "partner", "liaison", "weather", "terrain", "road", "bridge",
        "river", "city", "village", "district", "province", "capital", "government", "ministry", "official", "statement",
        "press", "media", "public", "private", "financial", "trade", "shipment", "cargo", "customs", "inspection", "record",
        "timeline", "pattern", "change", "baseline", "estimate", "forecast", "risk", "impact", "gap", "collection", "task",
    ];

    private static readonly string[] KoreanWords =
    [
        "분석", "보고서", "요약", "문서", "정보", "출처", "회의", "결과", "평가", "위협", "지역", "작전", "보안", "자료", "검토",
        "내용", "상황", "판단", "계획", "기간", "국경", "활동", "이동", "수준", "높음", "낮음", "보통", "신뢰도", "관측", "보고",
        "북쪽", "남쪽", "동쪽", "서쪽", "해안", "항구", "선박", "항공기", "수송", "보급", "경로", "통신", "지휘", "훈련", "주간",
        "야간", "증가", "감소", "안정", "가능성", "증거", "영상", "감청", "메시지", "접촉", "시설", "저장", "연료", "장비",
        "레이더", "미사일", "발사", "시험", "일정", "갱신", "요청", "응답", "우선", "긴급", "비밀", "협력", "기상", "지형",
        "도로", "교량", "하천", "도시", "마을", "정부", "공식", "발표", "언론", "무역", "화물", "세관", "기록", "변화", "예측",
        "위험", "영향", "수집", "과제", "그리고", "에서", "으로", "있다", "없다", "이다",
    ];

    private enum TokenType { Normal = 1, Unknown = 2, Control = 3, Byte = 6 }

    /// <summary>The shape of each fixture size.</summary>
    public sealed record FixtureShape(int Embedding, int Layers, int Heads, int FeedForward, int ContextLength)
    {
        /// <summary>Weights in the file for a vocabulary of this size (embeddings, output, and per layer attention and feed-forward).</summary>
        public long Parameters(int vocabulary) =>
            (2L * Embedding * vocabulary) + Embedding + (Layers * ((4L * Embedding * Embedding) + (3L * Embedding * FeedForward) + (2L * Embedding)));
    }

    /// <summary>The fixture's vocabulary size (the same for every size).</summary>
    public static int VocabularySize => BuildVocabulary().Tokens.Length;

    public static FixtureShape ShapeFor(string size) => size.Trim().ToLowerInvariant() switch
    {
        "small" => new FixtureShape(64, 3, 4, 176, 2048),
        "medium" => new FixtureShape(256, 4, 4, 768, 2048),
        // TinyLlama-1.1B's shape (with full key/value heads): ~1.1B parameters, ~2.3 GB in F16, so a decode step reads as
        // many bytes as a quantized 7B model does: bandwidth-bound speed tests (a GPU run) without a downloaded model.
        "large" => new FixtureShape(2048, 22, 16, 5632, 2048),
        _ => throw new ArgumentException($"Unknown fixture size '{size}'. Use 'small' (~0.3M parameters), 'medium' (~4M) or 'large' (~1.1B, 2.3 GB).", nameof(size)),
    };

    /// <summary>The file name used for a fixture of a size and seed (so different fixtures never overwrite each other).</summary>
    public static string FileNameFor(string size, int seed) => $"ax-fixture-{size.Trim().ToLowerInvariant()}-s{seed}.gguf";

    /// <summary>Writes the fixture to <paramref name="path"/> (atomically: a temp file, then a rename).</summary>
    public static void Write(string path, string size = "small", int seed = 42)
    {
        var shape = ShapeFor(size);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                Build(shape, size, seed).Write(stream);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes the fixture unless a file is already there; returns the path.</summary>
    public static string EnsureWritten(string directory, string size, int seed)
    {
        var path = Path.Combine(directory, FileNameFor(size, seed));
        if (!File.Exists(path))
        {
            Write(path, size, seed);
        }

        return path;
    }

    public static bool IsFixture(GgufHeader header) => header.GetString("general.name") == FixtureName;

    /// <summary>Tokens the fixture's output is steered to: whole word pieces (a leading SPM space, an entire word).</summary>
    internal static bool IsWordPiece(string token) => token.Length > 1 && token.StartsWith(SpmSpace, StringComparison.Ordinal) && WholeWords.Contains(token);

    private static readonly HashSet<string> WholeWords = [.. EnglishWords.Concat(KoreanWords).Select(w => SpmSpace + w)];

    internal static (string[] Tokens, float[] Scores, int[] Types) BuildVocabulary()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>" };
        var types = new List<int> { (int)TokenType.Unknown, (int)TokenType.Control, (int)TokenType.Control, (int)TokenType.Control, (int)TokenType.Control };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add((int)TokenType.Byte);
        }

        var seen = new HashSet<string>(tokens, StringComparer.Ordinal);
        var scores = new List<float>(new float[tokens.Count]);

        void AddPiece(string piece)
        {
            if (seen.Add(piece))
            {
                tokens.Add(piece);
                types.Add((int)TokenType.Normal);
                scores.Add(piece.Length); // longer pieces merge first
            }
        }

        AddPiece(SpmSpace);
        foreach (var c in "abcdefghijklmnopqrstuvwxyz.,") { AddPiece(c.ToString()); }

        // Every prefix of every word, so SPM's bigram merges can build whole words.
        foreach (var word in EnglishWords.Concat(KoreanWords))
        {
            var piece = SpmSpace + word;
            for (var len = 2; len <= piece.Length; len++)
            {
                AddPiece(piece[..len]);
            }
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            if (types[i] != (int)TokenType.Normal)
            {
                scores[i] = 0f;
            }
        }

        return ([.. tokens], [.. scores], [.. types]);
    }

    private static GgufWriter Build(FixtureShape s, string size, int seed)
    {
        var (tokens, scores, types) = BuildVocabulary();
        var w = new GgufWriter();
        w.AddString("general.architecture", "llama");
        w.AddString("general.name", FixtureName);
        w.AddString("general.size_label", size.Trim().ToLowerInvariant());
        w.AddUInt32("general.file_type", 1); // MOSTLY_F16
        w.AddUInt32("general.seed", (uint)seed);
        w.AddUInt32("llama.context_length", (uint)s.ContextLength);
        w.AddUInt32("llama.embedding_length", (uint)s.Embedding);
        w.AddUInt32("llama.block_count", (uint)s.Layers);
        w.AddUInt32("llama.feed_forward_length", (uint)s.FeedForward);
        w.AddUInt32("llama.attention.head_count", (uint)s.Heads);
        w.AddUInt32("llama.attention.head_count_kv", (uint)s.Heads);
        w.AddUInt32("llama.rope.dimension_count", (uint)(s.Embedding / s.Heads));
        w.AddFloat32("llama.rope.freq_base", 10000f);
        w.AddFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.AddUInt32("llama.vocab_size", (uint)tokens.Length);
        w.AddString("tokenizer.ggml.model", "llama");
        w.AddStringArray("tokenizer.ggml.tokens", tokens);
        w.AddFloat32Array("tokenizer.ggml.scores", scores);
        w.AddInt32Array("tokenizer.ggml.token_type", types);
        w.AddUInt32("tokenizer.ggml.unknown_token_id", 0);
        w.AddUInt32("tokenizer.ggml.bos_token_id", 1);
        w.AddUInt32("tokenizer.ggml.eos_token_id", 4); // <|im_end|> ends a ChatML turn
        w.AddUInt32("tokenizer.ggml.padding_token_id", 0);
        w.AddBool("tokenizer.ggml.add_bos_token", true);
        w.AddBool("tokenizer.ggml.add_eos_token", false);
        w.AddString("tokenizer.chat_template", ChatMlTemplate);

        var rng = new Random(seed);
        var n = (ulong)s.Embedding;
        var ff = (ulong)s.FeedForward;
        var vocab = (ulong)tokens.Length;

        w.AddTensor("token_embd.weight", [n, vocab], 1, F16(rng, (int)(n * vocab), 1.0f));
        w.AddTensor("output_norm.weight", [n], 0, Ones((int)n));
        w.AddTensor("output.weight", [n, vocab], 1, F16(rng, (int)(n * vocab), 1.0f / MathF.Sqrt(s.Embedding)));
        for (var l = 0; l < s.Layers; l++)
        {
            var p = $"blk.{l}.";
            var attnScale = 1.0f / MathF.Sqrt(s.Embedding);
            w.AddTensor(p + "attn_norm.weight", [n], 0, Ones((int)n));
            w.AddTensor(p + "attn_q.weight", [n, n], 1, F16(rng, (int)(n * n), attnScale));
            w.AddTensor(p + "attn_k.weight", [n, n], 1, F16(rng, (int)(n * n), attnScale));
            w.AddTensor(p + "attn_v.weight", [n, n], 1, F16(rng, (int)(n * n), attnScale));
            w.AddTensor(p + "attn_output.weight", [n, n], 1, F16(rng, (int)(n * n), attnScale));
            w.AddTensor(p + "ffn_norm.weight", [n], 0, Ones((int)n));
            w.AddTensor(p + "ffn_gate.weight", [n, ff], 1, F16(rng, (int)(n * ff), attnScale));
            w.AddTensor(p + "ffn_up.weight", [n, ff], 1, F16(rng, (int)(n * ff), attnScale));
            w.AddTensor(p + "ffn_down.weight", [ff, n], 1, F16(rng, (int)(n * ff), 1.0f / MathF.Sqrt(s.FeedForward)));
        }

        return w;
    }

    private static byte[] F16(Random rng, int count, float scale)
    {
        var bytes = new byte[count * 2];
        for (var i = 0; i < count; i++)
        {
            var v = (float)(rng.NextDouble() * 2 - 1) * scale * 1.7f;
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), BitConverter.HalfToUInt16Bits((Half)v));
        }

        return bytes;
    }

    private static byte[] Ones(int count)
    {
        var bytes = new byte[count * 4];
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), 1.0f);
        }

        return bytes;
    }
}
