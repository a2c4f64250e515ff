using System.IO.Compression;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// Opens zip-based documents only after checking entry count, declared uncompressed size and compression
/// ratio (a zip bomb is refused before anything is inflated). Entries are read into memory with a cap and
/// their paths never touch the file system.
/// </summary>
public static class ZipGuard
{
    public static ZipArchive Open(byte[] content, ParserLimits limits)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException ex)
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"The file starts like a zip archive but is damaged: {ex.Message}", ex);
        }

        try
        {
            Check(zip, limits);
            return zip;
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    private static void Check(ZipArchive zip, ParserLimits limits)
    {
        var entries = zip.Entries;
        if (entries.Count > limits.MaxZipEntries)
        {
            throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                $"The archive has {entries.Count:N0} entries (the limit is {limits.MaxZipEntries:N0}); it looks like a zip bomb and was refused.");
        }

        long total = 0;
        foreach (var entry in entries)
        {
            total += entry.Length;
            var ratio = entry.CompressedLength == 0 ? entry.Length : entry.Length / entry.CompressedLength;
            if (entry.Length > 1024 * 1024 && ratio > limits.MaxZipCompressionRatio)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"The entry '{Printable(entry.FullName)}' expands {ratio:N0} times (to {entry.Length:N0} bytes); the file looks like a zip bomb and was refused.");
            }
            if (total > limits.MaxZipUncompressedBytes)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"The archive expands to more than {limits.MaxZipUncompressedBytes / (1024 * 1024):N0} MB; it looks like a zip bomb and was refused.");
            }
        }
    }

    /// <summary>Reads an entry into memory, refusing it when it inflates beyond its declared size or the limit (declared sizes can lie).</summary>
    public static byte[] ReadEntry(ZipArchiveEntry entry, ParserLimits limits)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var cap = Math.Min(entry.Length, limits.MaxZipUncompressedBytes);
        using var stream = entry.Open();
        using var buffer = new MemoryStream((int)Math.Min(cap, 16 * 1024 * 1024));
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > cap)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"The entry '{Printable(entry.FullName)}' inflates beyond its declared size; the file was refused.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static string Printable(string name) => new(name.Take(120).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
