using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Documents.Parsing;

namespace AxWorkbench.Core.Documents.Worker;

/// <summary>The parser worker process: where it is and the limits the parent enforces on it.</summary>
public sealed class ParserWorkerOptions
{
    public const string SectionName = "Documents:Worker";

    /// <summary>Path of AxWorkbench.ParserWorker.dll (or its executable); by default it is found next to the running app.</summary>
    public string? Path { get; set; }

    /// <summary>Wall-clock limit for one file; past it the worker is killed and the file refused.</summary>
    [Range(1, 3600, ErrorMessage = "Documents:Worker:TimeoutSeconds must be between 1 and 3600.")]
    public int TimeoutSeconds { get; set; } = 8;

    /// <summary>The worker's managed heap limit (DOTNET_GCHeapHardLimit), in MB.</summary>
    [Range(64, 65536, ErrorMessage = "Documents:Worker:HeapLimitMegabytes must be between 64 and 65536.")]
    public int HeapLimitMegabytes { get; set; } = 1024;

    /// <summary>Whether scanned pages and PNG/JPEG/TIFF files are read by OCR (tesseract; without it they are refused or flagged).</summary>
    /// <summary>
    /// The worker's CPU priority: Normal, BelowNormal (default: nice 10, so parsing and OCR give way to the model's
    /// decode threads on shared cores) or Idle (nice 19).
    /// </summary>
    [RegularExpression("^(Normal|BelowNormal|Idle)$", ErrorMessage = "Documents:Worker:Priority must be Normal, BelowNormal or Idle.")]
    public string Priority { get; set; } = "BelowNormal";

    public bool Ocr { get; set; } = true;

    /// <summary>Tesseract's languages, joined by '+'.</summary>
    [RegularExpression("^[A-Za-z_]+(\\+[A-Za-z_]+)*$", ErrorMessage = "Documents:Worker:OcrLanguages must be tesseract language codes joined by '+', e.g. kor+eng.")]
    public string OcrLanguages { get; set; } = "kor+eng";

    /// <summary>Tesseract's languages for pages whose script orientation detection finds Korean; empty: <see cref="OcrLanguages"/> for every page.</summary>
    [RegularExpression("^([A-Za-z_]+(\\+[A-Za-z_]+)*)?$", ErrorMessage = "Documents:Worker:OcrKoreanLanguages must be tesseract language codes joined by '+', e.g. kor, or empty.")]
    public string? OcrKoreanLanguages { get; set; } = "kor";

    /// <summary>The longest OCR of one page (render, orientation, recognition); past it the file is refused. The parent's
    /// wall-clock limit (<see cref="TimeoutSeconds"/>) starts again after each page the worker reports.</summary>
    [Range(5, 600, ErrorMessage = "Documents:Worker:OcrPageSeconds must be between 5 and 600.")]
    public int OcrPageSeconds { get; set; } = 60;

    /// <summary>The most pages of one document read by OCR; a scan with more is refused.</summary>
    [Range(1, 5000, ErrorMessage = "Documents:Worker:MaxOcrPages must be between 1 and 5000.")]
    public int MaxOcrPages { get; set; } = 100;

    /// <summary>The largest image or rendered page, in megapixels (checked from the header before decoding).</summary>
    [Range(1, 1000, ErrorMessage = "Documents:Worker:MaxImageMegapixels must be between 1 and 1000.")]
    public int MaxImageMegapixels { get; set; } = 80;

    /// <summary>The parser limits these settings give (the defaults for everything else).</summary>
    public ParserLimits ToLimits() => ParserLimits.Default with
    {
        Ocr = Ocr,
        OcrLanguages = OcrLanguages,
        OcrKoreanLanguages = string.IsNullOrWhiteSpace(OcrKoreanLanguages) ? null : OcrKoreanLanguages,
        OcrPageSeconds = OcrPageSeconds,
        MaxOcrPages = MaxOcrPages,
        MaxImagePixels = MaxImageMegapixels * 1_000_000L,
    };

    /// <summary>Tests only: lets the worker obey crash/hang commands.</summary>
    public bool EnableTestCommands { get; set; }
}
