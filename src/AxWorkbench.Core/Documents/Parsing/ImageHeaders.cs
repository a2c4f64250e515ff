using System.Buffers.Binary;
using System.Globalization;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>The size of one page of an image file, as its header declares it.</summary>
public sealed record ImagePageSize(int Width, int Height)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// Reads the page sizes of PNG, JPEG and TIFF files from their headers alone, before any decoder sees the pixels: a
/// decompression bomb (a small file declaring a huge image) is refused by its declared size, and a TIFF whose
/// directories or image data run past the end of the file (truncated) is refused before it is decoded.
/// </summary>
public static class ImageHeaders
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The pages (one for PNG and JPEG) with their sizes; throws <see cref="DocumentRejectedException"/> for a malformed or truncated header.</summary>
    public static IReadOnlyList<ImagePageSize> Read(DocumentKind kind, ReadOnlySpan<byte> bytes, int maxPages) => kind switch
    {
        DocumentKind.Png => [Png(bytes)],
        DocumentKind.Jpeg => [Jpeg(bytes)],
        DocumentKind.Tiff => Tiff(bytes, maxPages),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an image format."),
    };

    /// <summary>Refuses a page whose pixel count exceeds the limit, naming it.</summary>
    public static void CheckPixels(ImagePageSize size, int page, ParserLimits limits, string what)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(limits);
        if (size.Width <= 0 || size.Height <= 0)
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"The {what} declares an empty image ({size.Width} x {size.Height} pixels on page {page}); the file was refused.");
        }
        if (size.Pixels > limits.MaxImagePixels)
        {
            throw new DocumentRejectedException(RejectionReason.ResourceLimit, string.Format(Invariant,
                "Page {0} of the {1} is {2:N0} x {3:N0} pixels ({4:N1} megapixels), above the limit of {5:N1} megapixels per page (Documents:Worker:MaxImageMegapixels); the file was refused without decoding it.",
                page, what, size.Width, size.Height, size.Pixels / 1e6, limits.MaxImagePixels / 1e6));
        }
    }

    private static ImagePageSize Png(ReadOnlySpan<byte> bytes)
    {
        // Signature (8), then the first chunk must be IHDR: length 13, "IHDR", width, height (big-endian).
        if (bytes.Length < 33 || !bytes.Slice(12, 4).SequenceEqual("IHDR"u8) || BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]) != 13)
        {
            throw Malformed("PNG", "its header (IHDR) is missing or cut short");
        }
        var width = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]);
        return new ImagePageSize(Clamp(width), Clamp(height));
    }

    private static ImagePageSize Jpeg(ReadOnlySpan<byte> bytes)
    {
        var at = 2;
        while (at + 4 <= bytes.Length)
        {
            if (bytes[at] != 0xFF)
            {
                throw Malformed("JPEG", $"a marker was expected at byte {at}");
            }
            var marker = bytes[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2;
                continue;
            }
            if (marker is 0xD9 or 0xDA)
            {
                break; // end of image or start of scan before any frame header
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
            if (length < 2 || at + 2 + length > bytes.Length)
            {
                break;
            }
            // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC && length >= 7)
            {
                var height = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 5)..]);
                var width = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 7)..]);
                return new ImagePageSize(width, height);
            }
            at += 2 + length;
        }
        throw Malformed("JPEG", "it has no frame header (SOF) before its image data, or the file is cut short");
    }

    private static List<ImagePageSize> Tiff(ReadOnlySpan<byte> bytes, int maxPages)
    {
        if (bytes.Length < 8)
        {
            throw Malformed("TIFF", "its header is cut short");
        }
        var little = bytes[0] == (byte)'I';
        var magic = U16(bytes, 2, little);
        if (magic == 43)
        {
            throw new DocumentRejectedException(RejectionReason.UnknownFormat, "The file is a BigTIFF, which is not read. Save the scan as an ordinary TIFF, PNG or PDF and upload it again.");
        }
        if (magic != 42)
        {
            throw Malformed("TIFF", "its header is not a TIFF header");
        }

        var pages = new List<ImagePageSize>();
        var seen = new HashSet<long>();
        long offset = U32(bytes, 4, little);
        while (offset != 0)
        {
            var page = pages.Count + 1;
            if (!seen.Add(offset))
            {
                throw Malformed("TIFF", $"its page directories loop back on themselves (page {page})");
            }
            if (offset + 2 > bytes.Length)
            {
                throw Truncated(page, "its page directory starts past the end of the file");
            }
            var entries = U16(bytes, (int)offset, little);
            var end = offset + 2 + (entries * 12L);
            if (end + 4 > bytes.Length)
            {
                throw Truncated(page, "its page directory runs past the end of the file");
            }

            long width = 0, height = 0;
            long[] dataOffsets = [], dataCounts = [];
            for (var i = 0; i < entries; i++)
            {
                var entry = (int)offset + 2 + (i * 12);
                var tag = U16(bytes, entry, little);
                switch (tag)
                {
                    case 256:
                        width = Values(bytes, entry, little, page, 1)[0];
                        break;
                    case 257:
                        height = Values(bytes, entry, little, page, 1)[0];
                        break;
                    case 273 or 324:
                        dataOffsets = Values(bytes, entry, little, page, 1_000_000);
                        break;
                    case 279 or 325:
                        dataCounts = Values(bytes, entry, little, page, 1_000_000);
                        break;
                }
            }
            if (dataOffsets.Length == 0 || dataOffsets.Length != dataCounts.Length)
            {
                throw Malformed("TIFF", $"page {page} has no image data (strip or tile offsets and sizes)");
            }
            for (var i = 0; i < dataOffsets.Length; i++)
            {
                if (dataOffsets[i] + dataCounts[i] > bytes.Length)
                {
                    throw Truncated(page, string.Format(Invariant, "its image data (strip {0} of {1}) runs past the end of the file", i + 1, dataOffsets.Length));
                }
            }
            pages.Add(new ImagePageSize(Clamp(width), Clamp(height)));
            if (pages.Count > maxPages)
            {
                return pages; // the caller refuses by the page limit; no need to walk further
            }
            offset = U32(bytes, (int)end, little);
        }
        if (pages.Count == 0)
        {
            throw Malformed("TIFF", "it has no pages");
        }
        return pages;
    }

    // One field's values (SHORT or LONG), inline when they fit in 4 bytes, else at the offset the entry gives.
    private static long[] Values(ReadOnlySpan<byte> bytes, int entry, bool little, int page, int max)
    {
        var type = U16(bytes, entry + 2, little);
        var count = U32(bytes, entry + 4, little);
        var size = type switch
        {
            3 => 2,
            4 => 4,
            _ => throw Malformed("TIFF", $"page {page} stores a size or offset field in type {type}"),
        };
        if (count == 0 || count > max)
        {
            throw Malformed("TIFF", $"page {page} has {count} values in a field that allows 1 to {max}");
        }
        long at = count * size <= 4 ? entry + 8 : U32(bytes, entry + 8, little);
        if (at + (count * size) > bytes.Length)
        {
            throw Truncated(page, "its strip table runs past the end of the file");
        }
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = size == 2 ? U16(bytes, (int)(at + (i * 2)), little) : U32(bytes, (int)(at + (i * 4)), little);
        }
        return values;
    }

    private static int U16(ReadOnlySpan<byte> bytes, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]) : BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);

    private static long U32(ReadOnlySpan<byte> bytes, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]) : BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]);

    private static int Clamp(long value) => (int)Math.Min(value, int.MaxValue);

    private static DocumentRejectedException Malformed(string what, string why) =>
        new(RejectionReason.Malformed, $"The {what} image cannot be read: {why}; the file was refused.");

    private static DocumentRejectedException Truncated(int page, string why) =>
        new(RejectionReason.Malformed, $"The TIFF is truncated or damaged: on page {page} {why}; the file was refused before decoding it.");
}
