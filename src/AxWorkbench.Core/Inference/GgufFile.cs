using System.Text;

namespace AxWorkbench.Core.Inference;

/// <summary>GGUF value types, as numbered by the GGUF specification.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>A tensor entry read from a GGUF header.</summary>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<ulong> Dimensions, uint GgmlType, ulong Offset)
{
    public ulong ElementCount => Dimensions.Aggregate(1UL, (a, d) => a * d);
}

/// <summary>The parsed header of a GGUF file: metadata and tensor table.</summary>
public sealed class GgufHeader
{
    public required uint Version { get; init; }
    public required IReadOnlyDictionary<string, object> Metadata { get; init; }
    public required IReadOnlyList<GgufTensorInfo> Tensors { get; init; }
    public required long DataOffset { get; init; }
    public required uint Alignment { get; init; }

    public string? GetString(string key) => Metadata.TryGetValue(key, out var v) ? v as string : null;

    public long? GetInteger(string key) => Metadata.TryGetValue(key, out var v) ? v switch
    {
        byte b => b, sbyte sb => sb, ushort us => us, short s => s, uint ui => ui, int i => i,
        ulong ul => (long)ul, long l => l, _ => null,
    } : null;

    public int ArrayLength(string key) => Metadata.TryGetValue(key, out var v) && v is Array a ? a.Length : 0;
}

/// <summary>Writes GGUF v3 files (used for the fixture model). Scalars are written with the types llama.cpp expects.</summary>
internal sealed class GgufWriter
{
    private readonly List<(string Key, GgufValueType Type, object Value)> _kv = [];
    private readonly List<(string Name, ulong[] Dims, uint Type, byte[] Data)> _tensors = [];
    public uint Alignment { get; init; } = 32;

    public void AddString(string key, string value) => _kv.Add((key, GgufValueType.String, value));
    public void AddUInt32(string key, uint value) => _kv.Add((key, GgufValueType.UInt32, value));
    public void AddFloat32(string key, float value) => _kv.Add((key, GgufValueType.Float32, value));
    public void AddBool(string key, bool value) => _kv.Add((key, GgufValueType.Bool, value));
    public void AddStringArray(string key, string[] values) => _kv.Add((key, GgufValueType.Array, values));
    public void AddFloat32Array(string key, float[] values) => _kv.Add((key, GgufValueType.Array, values));
    public void AddInt32Array(string key, int[] values) => _kv.Add((key, GgufValueType.Array, values));

    /// <summary>Adds a tensor; <paramref name="dims"/> lists ne[0] (innermost) first.</summary>
    public void AddTensor(string name, ulong[] dims, uint ggmlType, byte[] data) => _tensors.Add((name, dims, ggmlType, data));

    public void Write(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)(_kv.Count + 1));
        WriteString(w, "general.alignment");
        w.Write((uint)GgufValueType.UInt32);
        w.Write(Alignment); // must be u32: llama.cpp aborts on a u64 alignment
        foreach (var (key, type, value) in _kv)
        {
            WriteString(w, key);
            w.Write((uint)type);
            switch (value)
            {
                case string s: WriteString(w, s); break;
                case uint u: w.Write(u); break;
                case float f: w.Write(f); break;
                case bool b: w.Write(b ? (byte)1 : (byte)0); break;
                case string[] sa:
                    w.Write((uint)GgufValueType.String); w.Write((ulong)sa.Length);
                    foreach (var s in sa) { WriteString(w, s); }
                    break;
                case float[] fa:
                    w.Write((uint)GgufValueType.Float32); w.Write((ulong)fa.Length);
                    foreach (var f in fa) { w.Write(f); }
                    break;
                case int[] ia:
                    w.Write((uint)GgufValueType.Int32); w.Write((ulong)ia.Length);
                    foreach (var i in ia) { w.Write(i); }
                    break;
                default: throw new InvalidOperationException($"Unsupported GGUF value for '{key}'.");
            }
        }

        ulong offset = 0;
        var offsets = new ulong[_tensors.Count];
        for (var t = 0; t < _tensors.Count; t++)
        {
            var (name, dims, type, data) = _tensors[t];
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims) { w.Write(d); }
            w.Write(type);
            offsets[t] = offset;
            w.Write(offset);
            offset = Align(offset + (ulong)data.Length, Alignment);
        }

        w.Flush();
        Pad(w, stream.Position);
        for (var t = 0; t < _tensors.Count; t++)
        {
            w.Write(_tensors[t].Data);
            Pad(w, _tensors[t].Data.Length);
        }
    }

    private void Pad(BinaryWriter w, long position)
    {
        var pad = (int)(Align((ulong)position, Alignment) - (ulong)position);
        for (var i = 0; i < pad; i++) { w.Write((byte)0); }
    }

    private static ulong Align(ulong value, uint alignment) => (value + alignment - 1) / alignment * alignment;

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
