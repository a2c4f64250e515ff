using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;

namespace AxWorkbench.Core.Tests.Documents;

/// <summary>
/// Scans made by the tests: text rendered to a 300-dpi page image by ImageMagick (`convert`) with a CJK font, turned or
/// made noisy, written as PNG, JPEG, multi-page TIFF, or wrapped in an image-only PDF by img2pdf; and hostile images
/// written byte by byte. A missing tool fails the test with what to install (tests/run.sh installs them), never skips.
/// </summary>
public static class ScanFiles
{
    public const string Font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "axwb-scan-tests");

    /// <summary>An A4 page at 300 dpi (2480 x 3508; <paramref name="size"/> for a strip of one) with <paramref name="lines"/> in 12 pt, turned clockwise by <paramref name="rotate"/> degrees.</summary>
    public static string Page(string[] lines, int rotate = 0, bool noisy = false, string format = "png", int pointSize = 42, string size = "2480x3508")
    {
        ArgumentNullException.ThrowIfNull(lines);
        Directory.CreateDirectory(Folder);
        RequireFont();
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + "." + format);
        List<string> arguments = ["-size", size, "xc:white", "-font", Font, "-pointsize", pointSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-fill", "black", "-annotate", "+180+260", string.Join('\n', lines)];
        if (noisy)
        {
            arguments.AddRange(["-attenuate", "0.4", "+noise", "Impulse", "-blur", "0x0.6"]);
        }
        if (rotate != 0)
        {
            arguments.AddRange(["-rotate", rotate.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        arguments.AddRange(["-type", "Grayscale", "-units", "PixelsPerInch", "-density", "300", path]);
        Run("convert", "imagemagick", arguments);
        return path;
    }

    /// <summary>An image-only PDF (no text layer) of the page images, made by img2pdf.</summary>
    public static string ImageOnlyPdf(params string[] images)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".pdf");
        Run("img2pdf", "img2pdf", [.. images, "-o", path]);
        return path;
    }

    /// <summary>The PDFs' pages in one PDF (poppler's pdfunite).</summary>
    public static string Unite(params string[] pdfs)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".pdf");
        Run("pdfunite", "poppler-utils", [.. pdfs, path]);
        return path;
    }

    /// <summary>A multi-page TIFF of the page images (one page each).</summary>
    public static string Tiff(params string[] images)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".tif");
        Run("convert", "imagemagick", [.. images, "-compress", "Group4", "-type", "Bilevel", path]);
        return path;
    }

    /// <summary>A valid-looking PNG that declares <paramref name="width"/> x <paramref name="height"/> pixels in a few hundred bytes (a decompression bomb).</summary>
    public static byte[] BombPng(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 0; // greyscale
        Chunk(output, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var row = new byte[1 + Math.Min(width, 1 << 20)];
                for (var i = 0; i < 64; i++)
                {
                    zlib.Write(row); // the first rows of zeros: the rest would inflate to gigabytes
                }
            }
            Chunk(output, "IDAT", compressed.ToArray());
        }
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        output.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }

    /// <summary>Fails with what to install when tesseract with Korean and English is missing: OCR tests never pass by skipping.</summary>
    public static void RequireTesseract()
    {
        var result = Run("tesseract", "tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng", ["--list-langs"], capture: true);
        Assert.True(result.Contains("kor", StringComparison.Ordinal) && result.Contains("eng", StringComparison.Ordinal),
            "tesseract has no Korean or English data: apt-get install tesseract-ocr-kor tesseract-ocr-eng (tests/run.sh installs them). It lists: " + result);
    }

    private static void RequireFont() =>
        Assert.True(File.Exists(Font), $"The CJK font {Font} the scan tests render with is missing: apt-get install fonts-noto-cjk (tests/run.sh installs it).");

    private static string Run(string program, string package, IEnumerable<string> arguments, bool capture = false)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"'{program}' is not installed, and the scan tests need it: apt-get install {package} (tests/run.sh installs it). {ex.Message}");
            throw;
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), $"{program} did not finish in 120 s");
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', start.ArgumentList.Where(a => a.Length < 80))} failed ({process.ExitCode}): {errors.GetAwaiter().GetResult()}");
            return output.GetAwaiter().GetResult() + errors.GetAwaiter().GetResult();
        }
    }
}
