using System.Text;

namespace AxWorkbench.Core.Inference;

/// <summary>Why a model file cannot be used. Each kind of bad file has its own value.</summary>
public enum GgufProblem
{
    None,
    FileNotFound,
    IsDirectory,
    Empty,
    NotGguf,
    Truncated,
    UnsupportedVersion,
    Malformed,
    MissingArchitecture,
    UnknownArchitecture,
    Unreadable,
}

/// <summary>The verdict of <see cref="GgufValidator"/>: valid with its header, or a named problem with a message a user can act on.</summary>
public sealed record GgufValidationResult(GgufProblem Problem, string Message, GgufHeader? Header, long FileSize)
{
    public bool IsValid => Problem == GgufProblem.None;

    /// <summary>"UnknownArchitecture: ..." — the form shown on the model page, in the log and in /healthz.</summary>
    public override string ToString() => IsValid ? "OK: " + Message : $"{Problem}: {Message}";
}

/// <summary>Checks a GGUF file in managed code before llama.cpp ever sees it (llama.cpp can abort the process on some bad files).</summary>
public static class GgufValidator
{
    /// <summary>Architectures the llama.cpp bundled with LLamaSharp 0.30.0 knows (llama-arch.cpp).</summary>
    public static readonly IReadOnlySet<string> KnownArchitectures = new HashSet<string>(StringComparer.Ordinal)
    {
        "llama", "llama4", "deci", "falcon", "falcon-h1", "grok", "gpt2", "gptj", "gptneox", "mpt", "baichuan", "starcoder",
        "refact", "bert", "modern-bert", "nomic-bert", "nomic-bert-moe", "neo-bert", "jina-bert-v2", "jina-bert-v3", "bloom",
        "stablelm", "qwen", "qwen2", "qwen2moe", "qwen2vl", "qwen3", "qwen3moe", "qwen3next", "qwen3vl", "qwen3vlmoe", "phi2",
        "phi3", "phimoe", "plamo", "plamo2", "codeshell", "orion", "internlm2", "minicpm", "minicpm3", "gemma", "gemma2",
        "gemma3", "gemma3n", "gemma-embedding", "starcoder2", "mamba", "mamba2", "jamba", "xverse", "command-r", "cohere2",
        "dbrx", "olmo", "olmo2", "olmoe", "openelm", "arctic", "deepseek", "deepseek2", "chatglm", "glm4", "glm4moe",
        "bitnet", "t5", "t5encoder", "jais", "nemotron", "nemotron_h", "exaone", "exaone4", "rwkv6", "rwkv6qwen2", "rwkv7",
        "arwkv7", "granite", "granitemoe", "granitehybrid", "chameleon", "wavtokenizer-dec", "plm", "bailingmoe",
        "bailingmoe2", "dots1", "arcee", "ernie4_5", "ernie4_5-moe", "hunyuan-moe", "hunyuan-dense", "smollm3", "gpt-oss",
        "lfm2", "lfm2moe", "dream", "smallthinker", "llada", "llada-moe", "seed_oss", "grovemoe", "apertus", "minimax-m2",
        "cogvlm", "rnd1", "panguembedded", "mistral3", "afmoe", "mimo2", "kimi-linear", "maincoder", "mistral",
    };

    private const long MaxCount = 1L << 24;

    /// <param name="allowUnknownArchitecture">True when a site-built libllama is configured: llama.cpp then decides, and its log names the reason.</param>
    public static GgufValidationResult Validate(string path, bool allowUnknownArchitecture = false)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return new(GgufProblem.FileNotFound, "No model path was given.", null, 0);
        }

        if (Directory.Exists(path))
        {
            return new(GgufProblem.IsDirectory, $"'{path}' is a directory, not a GGUF file. Point the model path at the .gguf file inside it.", null, 0);
        }

        if (!File.Exists(path))
        {
            return new(GgufProblem.FileNotFound, $"The model file '{path}' does not exist.", null, 0);
        }

        long size;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            size = stream.Length;
            if (size == 0)
            {
                return new(GgufProblem.Empty, $"The model file '{path}' is empty (0 bytes); the copy or download did not complete.", null, 0);
            }

            return ReadHeader(stream, path, size, allowUnknownArchitecture);
        }
        catch (IOException ex)
        {
            return new(GgufProblem.Unreadable, $"The model file '{path}' cannot be read: {ex.Message}", null, 0);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new(GgufProblem.Unreadable, $"The model file '{path}' cannot be read: {ex.Message}", null, 0);
        }
    }

    private static GgufValidationResult ReadHeader(Stream stream, string path, long size, bool allowUnknown)
    {
        var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (size < 4)
        {
            return new(GgufProblem.Truncated, $"'{path}' is only {size} bytes: too short to be a GGUF file.", null, size);
        }

        var magic = reader.ReadBytes(4);
        if (!magic.AsSpan().SequenceEqual("GGUF"u8))
        {
            return new(GgufProblem.NotGguf, $"'{path}' is not a GGUF file (its first bytes are {Convert.ToHexString(magic)}, expected 47475546 'GGUF').", null, size);
        }

        try
        {
            var version = reader.ReadUInt32();
            if (version is < 2 or > 3)
            {
                return new(GgufProblem.UnsupportedVersion, $"'{path}' is GGUF version {version}; only versions 2 and 3 are supported. Re-convert the model with a current llama.cpp.", null, size);
            }

            var tensorCount = reader.ReadInt64();
            var kvCount = reader.ReadInt64();
            if (tensorCount is < 0 or > MaxCount || kvCount is < 0 or > MaxCount)
            {
                return new(GgufProblem.Malformed, $"'{path}' declares {tensorCount} tensors and {kvCount} metadata entries, which is not sane.", null, size);
            }

            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            for (long i = 0; i < kvCount; i++)
            {
                var key = ReadString(reader, size);
                var type = (GgufValueType)reader.ReadUInt32();
                metadata[key] = ReadValue(reader, type, size, depth: 0);
            }

            uint alignment = 32;
            if (metadata.TryGetValue("general.alignment", out var al))
            {
                alignment = al is uint u ? u : throw new FormatException("general.alignment must be a u32.");
                if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                {
                    throw new FormatException($"general.alignment {alignment} is not a power of two.");
                }
            }

            var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 65536));
            for (long i = 0; i < tensorCount; i++)
            {
                var name = ReadString(reader, size);
                var nDims = reader.ReadUInt32();
                if (nDims is 0 or > 4)
                {
                    throw new FormatException($"tensor '{name}' has {nDims} dimensions.");
                }

                var dims = new ulong[nDims];
                for (var d = 0; d < nDims; d++)
                {
                    dims[d] = reader.ReadUInt64();
                    if (dims[d] > (ulong)size * 64)
                    {
                        throw new FormatException($"tensor '{name}' has an impossible dimension {dims[d]}.");
                    }
                }

                tensors.Add(new GgufTensorInfo(name, dims, reader.ReadUInt32(), reader.ReadUInt64()));
            }

            var dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            var header = new GgufHeader { Version = version, Metadata = metadata, Tensors = tensors, DataOffset = dataOffset, Alignment = alignment };

            foreach (var t in tensors)
            {
                var bytes = TensorBytes(t);
                var end = (ulong)dataOffset + t.Offset + (bytes ?? 0);
                if (end > (ulong)size)
                {
                    return new(GgufProblem.Truncated, $"'{path}' is truncated: tensor '{t.Name}' ends at byte {end} but the file has {size} bytes. The copy is incomplete.", header, size);
                }
            }

            var arch = header.GetString("general.architecture");
            if (string.IsNullOrEmpty(arch))
            {
                return new(GgufProblem.MissingArchitecture, $"'{path}' has no 'general.architecture' metadata, so no loader can interpret it.", header, size);
            }

            if (!allowUnknown && !KnownArchitectures.Contains(arch))
            {
                return new(GgufProblem.UnknownArchitecture, $"The model architecture '{arch}' is not supported by the llama.cpp bundled with LLamaSharp 0.30.0. Set Inference:NativeLibraryPath to a site-built libllama that knows '{arch}', or use a supported model.", header, size);
            }

            return new(GgufProblem.None, $"GGUF v{version}, architecture '{arch}', {tensors.Count} tensors, {metadata.Count} metadata entries.", header, size);
        }
        catch (EndOfStreamException)
        {
            return new(GgufProblem.Truncated, $"'{path}' is truncated: the GGUF header ends before its declared metadata and tensor table.", null, size);
        }
        catch (FormatException ex)
        {
            return new(GgufProblem.Malformed, $"'{path}' has a malformed GGUF header: {ex.Message}", null, size);
        }
    }

    private static string ReadString(BinaryReader reader, long fileSize)
    {
        var len = reader.ReadUInt64();
        if (len > (ulong)(fileSize - reader.BaseStream.Position))
        {
            throw len > 1 << 30 ? new FormatException($"a string length of {len} bytes is not sane.") : new EndOfStreamException();
        }

        var bytes = reader.ReadBytes((int)len);
        return bytes.Length < (int)len ? throw new EndOfStreamException() : Encoding.UTF8.GetString(bytes);
    }

    private static object ReadValue(BinaryReader r, GgufValueType type, long fileSize, int depth) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() != 0,
        GgufValueType.String => ReadString(r, fileSize),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        GgufValueType.Array when depth == 0 => ReadArray(r, fileSize),
        _ => throw new FormatException($"unknown metadata value type {(uint)type}."),
    };

    private static Array ReadArray(BinaryReader r, long fileSize)
    {
        var elementType = (GgufValueType)r.ReadUInt32();
        var count = r.ReadUInt64();
        if (count > (ulong)(fileSize - r.BaseStream.Position))
        {
            throw count > 1 << 30 ? new FormatException($"an array length of {count} is not sane.") : new EndOfStreamException();
        }

        var items = new object[count];
        for (ulong i = 0; i < count; i++)
        {
            items[i] = ReadValue(r, elementType, fileSize, depth: 1);
        }

        return items;
    }

    /// <summary>Bytes of a tensor's data for the common ggml types; null when the type's block size is not known here.</summary>
    internal static ulong? TensorBytes(GgufTensorInfo t)
    {
        (ulong Block, ulong Bytes)? layout = t.GgmlType switch
        {
            0 => (1, 4), 1 => (1, 2), 2 => (32, 18), 3 => (32, 20), 6 => (32, 22), 7 => (32, 24), 8 => (32, 34), 9 => (32, 36),
            10 => (256, 84), 11 => (256, 110), 12 => (256, 144), 13 => (256, 176), 14 => (256, 210), 15 => (256, 292),
            16 => (256, 66), 17 => (256, 74), 18 => (256, 98), 19 => (256, 50), 20 => (32, 18), 21 => (256, 110),
            22 => (256, 82), 23 => (256, 136), 24 => (1, 1), 25 => (1, 2), 26 => (1, 4), 27 => (1, 8), 28 => (1, 8),
            29 => (256, 56), 30 => (1, 2), 34 => (256, 54), 35 => (256, 66), 39 => (32, 17),
            _ => null,
        };
        return layout is { } l ? t.ElementCount / l.Block * l.Bytes : null;
    }

    /// <summary>Human name of a ggml tensor type.</summary>
    internal static string TypeName(uint type) => type switch
    {
        0 => "F32", 1 => "F16", 2 => "Q4_0", 3 => "Q4_1", 6 => "Q5_0", 7 => "Q5_1", 8 => "Q8_0", 10 => "Q2_K", 11 => "Q3_K",
        12 => "Q4_K", 13 => "Q5_K", 14 => "Q6_K", 15 => "Q8_K", 16 => "IQ2_XXS", 17 => "IQ2_XS", 18 => "IQ3_XXS", 19 => "IQ1_S",
        20 => "IQ4_NL", 21 => "IQ3_S", 22 => "IQ2_S", 23 => "IQ4_XS", 29 => "IQ1_M", 30 => "BF16", 34 => "TQ1_0", 35 => "TQ2_0",
        39 => "MXFP4", _ => $"type {type}",
    };
}
