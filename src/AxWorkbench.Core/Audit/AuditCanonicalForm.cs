using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AxWorkbench.Core.Audit;

/// <summary>
/// The hash chain: <c>hash_i = SHA-256(hash_{i-1} || canonical(record_i))</c>, with <c>hash_0</c> = 32 zero bytes.
/// <para>
/// <c>canonical(record)</c> is the UTF-8 bytes of the version tag <c>"axaudit/1"</c> followed by ten
/// fields in this fixed order: sequence (decimal, invariant culture), timestamp
/// (<c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>, as stored), actor, action, target, outcome, client address,
/// marking, details. Each field (and the tag) is written as a 4-byte big-endian length of its UTF-8
/// bytes followed by those bytes; a null field is the length 0xFFFFFFFF with no bytes, so null and
/// the empty string differ and no field can spill into the next. Strings are hashed exactly as stored
/// (no trimming or Unicode normalization). The stored hash is lower-case hex.
/// </para>
/// </summary>
public static class AuditCanonicalForm
{
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public const string Version = "axaudit/1";

    public static readonly byte[] GenesisHash = new byte[32];

    public static string FormatTimestamp(DateTime utc) =>
        utc.ToUniversalTime().ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static byte[] Canonical(long sequence, string timestampUtc, string actor, string action, string? target,
        string outcome, string? clientAddress, string marking, string? details)
    {
        var buffer = new ArrayBufferWriterLite();
        buffer.Field(Version);
        buffer.Field(sequence.ToString(CultureInfo.InvariantCulture));
        buffer.Field(timestampUtc);
        buffer.Field(actor);
        buffer.Field(action);
        buffer.Field(target);
        buffer.Field(outcome);
        buffer.Field(clientAddress);
        buffer.Field(marking);
        buffer.Field(details);
        return buffer.ToArray();
    }

    public static byte[] Canonical(AuditRecord r) =>
        Canonical(r.Sequence, r.TimestampUtc, r.Actor, r.Action, r.Target, r.Outcome, r.ClientAddress, r.Marking, r.Details);

    /// <summary>The next link of the chain.</summary>
    public static byte[] Chain(ReadOnlySpan<byte> previousHash, ReadOnlySpan<byte> canonical)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(previousHash);
        sha.AppendData(canonical);
        return sha.GetHashAndReset();
    }

    public static string ToHex(byte[] hash) => Convert.ToHexStringLower(hash);

    public static byte[] FromHex(string hex) => Convert.FromHexString(hex);

    private sealed class ArrayBufferWriterLite
    {
        private readonly MemoryStream _stream = new(256);

        public void Field(string? value)
        {
            Span<byte> length = stackalloc byte[4];
            if (value is null)
            {
                BinaryPrimitives.WriteUInt32BigEndian(length, uint.MaxValue);
                _stream.Write(length);
                return;
            }
            var bytes = Encoding.UTF8.GetBytes(value);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            _stream.Write(length);
            _stream.Write(bytes);
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
