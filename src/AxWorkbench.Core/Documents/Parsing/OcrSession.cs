using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>How far a long parse has come: sent by the worker before each page that needs OCR or the pdftotext fallback.</summary>
public sealed record ParseProgress(int Step, int Steps, int Page, PageSource Source);

/// <summary>One page read by OCR: its text, tesseract's mean word confidence (0-1, null when no word was found) and the quarter turns it was turned.</summary>
internal sealed record OcrPage(string Text, double? Confidence, int QuarterTurns);

/// <summary>
/// OCR and the pdftotext fallback for one document, inside the parser worker: a private temporary folder for page
/// images (deleted at the end), and for each page a time limit (<see cref="ParserLimits.OcrPageSeconds"/>) that covers
/// rendering, orientation and recognition. Pages are rendered with `pdftoppm -r 300`, turned upright by tesseract's
/// orientation and script detection (`--psm 0`), and recognized with `tesseract -l kor+eng --psm 6 -c preserve_interword_spaces=1`
/// into TSV (per-word confidence); a page whose script OSD finds Korean is read with <see cref="ParserLimits.OcrKoreanLanguages"/> (kor).
/// </summary>
internal sealed class OcrSession : IDisposable
{
    /// <summary>OSD's orientation confidence above which its answer is taken without trying the unturned page too.</summary>
    private const double SureOrientation = 2.0;

    private readonly ParserLimits _limits;
    private readonly string _folder;

    public OcrSession(ParserLimits limits)
    {
        _limits = limits;
        _folder = Path.Combine(Path.GetTempPath(), "axwb-ocr-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    /// <summary>Writes the document's bytes once, for the helper programs to read.</summary>
    public string WriteSource(byte[] content, string extension)
    {
        var path = Path.Combine(_folder, "source" + extension);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>
    /// Renders PDF page <paramref name="page"/> and recognizes it. The resolution is lowered below
    /// <see cref="ParserLimits.OcrDpi"/> when the page (<paramref name="widthPoints"/> x <paramref name="heightPoints"/>)
    /// would otherwise exceed <see cref="ParserLimits.MaxImagePixels"/>; a page of unknown size is rendered into a slice no larger than that.
    /// </summary>
    public OcrPage RecognizePdfPage(string pdf, int page, double? widthPoints, double? heightPoints)
    {
        var deadline = Stopwatch.StartNew();
        var dpi = _limits.OcrDpi;
        var side = (int)Math.Sqrt(_limits.MaxImagePixels);
        var (width, height) = (side, side);
        if (widthPoints is > 0 && heightPoints is > 0)
        {
            var inches = widthPoints.Value / 72 * (heightPoints.Value / 72);
            if (inches * dpi * dpi > _limits.MaxImagePixels)
            {
                dpi = (int)Math.Floor(Math.Sqrt(_limits.MaxImagePixels / inches));
                if (dpi < 50)
                {
                    throw new DocumentRejectedException(RejectionReason.ResourceLimit, string.Format(CultureInfo.InvariantCulture,
                        "Page {0} is {1:N0} x {2:N0} inches; at 50 dpi, the least OCR can read, it exceeds {3:N1} megapixels (Documents:Worker:MaxImageMegapixels); the file was refused.",
                        page, widthPoints.Value / 72, heightPoints.Value / 72, _limits.MaxImagePixels / 1e6));
                }
            }
            width = (int)Math.Ceiling(widthPoints.Value / 72 * dpi) + 2;
            height = (int)Math.Ceiling(heightPoints.Value / 72 * dpi) + 2;
        }
        var target = Path.Combine(_folder, $"page-{page}");
        var render = Tool(OcrTools.Pdftoppm!, page, deadline,
            ["-r", Int(dpi), "-f", Int(page), "-l", Int(page), "-x", "0", "-y", "0", "-W", Int(width), "-H", Int(height), "-gray", "-png", "-singlefile", pdf, target]);
        if (render.ExitCode != 0 || !File.Exists(target + ".png"))
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"Page {page} could not be rendered for OCR (pdftoppm: {Short(render.Errors)}; each OCR program may use {_limits.OcrProcessMemoryMegabytes:N0} MB); the file was refused.");
        }
        return Recognize(target + ".png", DocumentKind.Png, page, dpi, deadline);
    }

    /// <summary>Recognizes page <paramref name="pageIndex"/> (0-based) of a PNG, JPEG or TIFF file whose header was checked.</summary>
    public OcrPage RecognizeImagePage(string image, DocumentKind kind, int pageIndex)
    {
        var deadline = Stopwatch.StartNew();
        var page = pageIndex + 1;
        var source = image;
        if (kind == DocumentKind.Tiff)
        {
            // Tesseract reads every page of a TIFF at once; one page at a time keeps the per-page limits and orientation.
            source = Path.Combine(_folder, $"page-{page}.png");
            Leptonica.WritePng(image, kind, pageIndex, 0, source);
            kind = DocumentKind.Png;
        }
        return Recognize(source, kind, page, null, deadline);
    }

    /// <summary>Poppler's text for one PDF page (the fallback when PdfPig cannot read it), or null when pdftotext failed.</summary>
    public string? PdfToText(string pdf, int page)
    {
        if (OcrTools.Pdftotext is null)
        {
            return null;
        }
        var deadline = Stopwatch.StartNew();
        var target = Path.Combine(_folder, $"text-{page}.txt");
        var result = Tool(OcrTools.Pdftotext, page, deadline, ["-f", Int(page), "-l", Int(page), "-enc", "UTF-8", "-nopgbrk", pdf, target],
            _limits.PdftotextPageSeconds, $"Reading page {page} with pdftotext took longer than {_limits.PdftotextPageSeconds} s (a page the PDF reader could not read either); the file was refused.");
        return result.ExitCode == 0 && File.Exists(target) ? PdfParser.Clean(File.ReadAllText(target, Encoding.UTF8)).Trim() : null;
    }

    private OcrPage Recognize(string image, DocumentKind kind, int page, int? dpi, Stopwatch deadline)
    {
        var turns = Orientation(image, page, dpi, deadline, out var sure, out var script);
        var languages = LanguagesFor(script, _limits);
        if (turns == 0)
        {
            return Read(image, page, dpi, deadline, 0, languages);
        }
        var turned = Path.Combine(_folder, $"page-{page}-turned.png");
        Leptonica.WritePng(image, kind, 0, turns, turned);
        var upright = Read(turned, page, dpi, deadline, turns, languages);
        if (sure)
        {
            return upright;
        }
        // OSD was unsure: keep whichever reading tesseract is more confident of.
        var asIs = Read(image, page, dpi, deadline, 0, languages);
        return (asIs.Confidence ?? 0) >= (upright.Confidence ?? 0) ? asIs : upright;
    }

    /// <summary>The languages a page is read with: <see cref="ParserLimits.OcrKoreanLanguages"/> when OSD found its script Korean, else <see cref="ParserLimits.OcrLanguages"/>.</summary>
    internal static string LanguagesFor(string? script, ParserLimits limits) =>
        script is "Korean" or "Hangul" && !string.IsNullOrEmpty(limits.OcrKoreanLanguages) ? limits.OcrKoreanLanguages : limits.OcrLanguages;

    // Tesseract's orientation and script detection: "Rotate: 90" is how far to turn clockwise to make the page upright;
    // "Script: Korean" (or Latin, Han, ...) is the page's main script.
    private int Orientation(string image, int page, int? dpi, Stopwatch deadline, out bool sure, out string? script)
    {
        sure = false;
        script = null;
        var output = Path.Combine(_folder, $"osd-{page}");
        List<string> arguments = [image, output, "--psm", "0"];
        AddDpi(arguments, dpi);
        var result = Tool(OcrTools.Tesseract!, page, deadline, arguments);
        if (result.ExitCode != 0 || !File.Exists(output + ".osd"))
        {
            return 0; // too little text to tell (a blank or nearly blank page): read it as it is
        }
        int rotate = 0;
        double confidence = 0;
        foreach (var line in File.ReadAllLines(output + ".osd"))
        {
            var parts = line.Split(':', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                continue;
            }
            if (parts[0] == "Rotate")
            {
                _ = int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out rotate);
            }
            else if (parts[0] == "Script")
            {
                script = parts[1];
            }
            else if (parts[0] == "Orientation confidence")
            {
                _ = double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out confidence);
            }
        }
        sure = confidence >= SureOrientation;
        return rotate is 90 or 180 or 270 && confidence > 0 ? rotate / 90 : 0;
    }

    private OcrPage Read(string image, int page, int? dpi, Stopwatch deadline, int turns, string languages)
    {
        var output = Path.Combine(_folder, $"ocr-{page}-{turns}");
        // Keeping the spaces tesseract sees matters for Hangul: without it every syllable is split (CER 38 % against 4 % with it, measured).
        List<string> arguments = [image, output, "-l", languages, "--psm", Int(_limits.OcrPageSegmentationMode), "-c", "preserve_interword_spaces=1"];
        AddDpi(arguments, dpi);
        arguments.Add("txt"); // the text, with the spaces as seen (TSV splits Hangul into one "word" per syllable)
        arguments.Add("tsv"); // the per-word confidences, from the same recognition
        var result = Tool(OcrTools.Tesseract!, page, deadline, arguments);
        if (result.ExitCode != 0 || !File.Exists(output + ".tsv") || !File.Exists(output + ".txt"))
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"OCR could not read page {page} (tesseract: {Short(result.Errors)}; each OCR program may use {_limits.OcrProcessMemoryMegabytes:N0} MB); the file was refused.");
        }
        var (_, confidence) = ParseTsv(File.ReadAllLines(output + ".tsv", Encoding.UTF8));
        var text = PdfParser.Clean(File.ReadAllText(output + ".txt", Encoding.UTF8)).Trim(); // the form feed at the end becomes a space, then goes
        return new OcrPage(text, confidence, turns);
    }

    /// <summary>
    /// Tesseract's TSV (level, page, block, paragraph, line, word, box, conf, text): words joined by spaces into lines,
    /// a blank line between paragraphs; the confidence is the mean of the words' confidences (0-100 in the TSV), as 0-1.
    /// </summary>
    internal static (string Text, double? Confidence) ParseTsv(IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        var line = new StringBuilder();
        (string Block, string Paragraph, string Line)? current = null;
        double sum = 0;
        var words = 0;
        foreach (var row in lines.Skip(1))
        {
            var cells = row.Split('\t');
            if (cells.Length < 12 || cells[0] != "5")
            {
                continue;
            }
            var word = cells[11].Trim();
            if (word.Length == 0 || !double.TryParse(cells[10], NumberStyles.Float, CultureInfo.InvariantCulture, out var conf) || conf < 0)
            {
                continue;
            }
            var key = (cells[2], cells[3], cells[4]);
            if (current != key)
            {
                if (line.Length > 0)
                {
                    text.Append(line).Append('\n');
                    if (current is { } previous && (previous.Block, previous.Paragraph) != (key.Item1, key.Item2))
                    {
                        text.Append('\n');
                    }
                }
                line.Clear();
                current = key;
            }
            if (line.Length > 0)
            {
                line.Append(' ');
            }
            line.Append(word);
            sum += conf;
            words++;
        }
        text.Append(line);
        return (PdfParser.Clean(text.ToString()).Trim(), words == 0 ? null : Math.Round(sum / words / 100, 4));
    }

    private ToolResult Tool(string program, int page, Stopwatch deadline, IReadOnlyList<string> arguments, int? seconds = null, string? timeoutMessage = null)
    {
        var left = TimeSpan.FromSeconds(seconds ?? _limits.OcrPageSeconds) - deadline.Elapsed;
        try
        {
            if (left <= TimeSpan.Zero)
            {
                throw new ToolTimeoutException(Path.GetFileName(program));
            }
            return OcrTools.Run(program, arguments, left, _limits);
        }
        catch (ToolTimeoutException ex)
        {
            throw new DocumentRejectedException(RejectionReason.Timeout, timeoutMessage
                ?? $"Reading page {page} by OCR took longer than {_limits.OcrPageSeconds} s (Documents:Worker:OcrPageSeconds); the file was refused.", ex);
        }
    }

    private static void AddDpi(List<string> arguments, int? dpi)
    {
        if (dpi is { } value)
        {
            arguments.Add("--dpi");
            arguments.Add(Int(value));
        }
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Short(string errors)
    {
        var last = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
        return PdfParser.Short(last);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleaning.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
