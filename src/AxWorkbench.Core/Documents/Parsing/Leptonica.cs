using System.Runtime.InteropServices;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// The few image operations OCR needs (read a page of a PNG, JPEG or TIFF, turn it by quarter turns, write it as PNG),
/// from Leptonica, the image library tesseract itself is built on and installs with it. Only ever called inside the
/// parser worker, and only on images whose size was checked from the header first (<see cref="ImageHeaders"/>).
/// </summary>
internal static class Leptonica
{
    private const int PngFormat = 3; // IFF_PNG

    private static readonly string[] LibraryNames = ["liblept.so.5", "libleptonica.so.6", "libleptonica.so", "liblept.so", "libleptonica.dylib", "leptonica-1.82.0.dll"];
    private static readonly Lazy<Api?> _api = new(Load);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr PixReadFn([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr PixReadTiffFn([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int page);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr PixRotateOrthFn(IntPtr pix, int quads);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int PixWriteFn([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr pix, int format);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void PixDestroyFn(ref IntPtr pix);

    private sealed record Api(PixReadFn Read, PixReadTiffFn ReadTiff, PixRotateOrthFn RotateOrth, PixWriteFn Write, PixDestroyFn Destroy);

    /// <summary>Null when the library loaded; else why not.</summary>
    public static string? Unavailable => _api.Value is null
        ? "the image library Leptonica (liblept.so.5 or libleptonica.so.6, installed with tesseract-ocr) could not be loaded"
        : null;

    /// <summary>
    /// Writes page <paramref name="pageIndex"/> (0-based; TIFF only, else 0) of <paramref name="source"/> to
    /// <paramref name="target"/> as PNG, turned clockwise by <paramref name="quarterTurns"/> quarter turns.
    /// </summary>
    public static void WritePng(string source, DocumentKind kind, int pageIndex, int quarterTurns, string target)
    {
        var api = _api.Value ?? throw new DocumentRejectedException(RejectionReason.OcrUnavailable, $"OCR is not available: {Unavailable}.");
        var pix = kind == DocumentKind.Tiff ? api.ReadTiff(source, pageIndex) : api.Read(source);
        if (pix == IntPtr.Zero)
        {
            throw new DocumentRejectedException(RejectionReason.Malformed, $"Page {pageIndex + 1} of the {kind.ToString().ToUpperInvariant()} image could not be decoded; the file was refused.");
        }
        try
        {
            if (quarterTurns % 4 != 0)
            {
                var turned = api.RotateOrth(pix, ((quarterTurns % 4) + 4) % 4);
                api.Destroy(ref pix);
                pix = turned;
                if (pix == IntPtr.Zero)
                {
                    throw new DocumentRejectedException(RejectionReason.Malformed, $"Page {pageIndex + 1} could not be turned upright for OCR; the file was refused.");
                }
            }
            if (api.Write(target, pix, PngFormat) != 0)
            {
                throw new IOException($"Leptonica could not write the page image '{target}'.");
            }
        }
        finally
        {
            if (pix != IntPtr.Zero)
            {
                api.Destroy(ref pix);
            }
        }
    }

    private static Api? Load()
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
            {
                continue;
            }
            try
            {
                return new Api(
                    Export<PixReadFn>(handle, "pixRead"),
                    Export<PixReadTiffFn>(handle, "pixReadTiff"),
                    Export<PixRotateOrthFn>(handle, "pixRotateOrth"),
                    Export<PixWriteFn>(handle, "pixWrite"),
                    Export<PixDestroyFn>(handle, "pixDestroy"));
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(handle);
            }
        }
        return null;
    }

    private static T Export<T>(IntPtr handle, string name) where T : Delegate =>
        Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(handle, name));
}
