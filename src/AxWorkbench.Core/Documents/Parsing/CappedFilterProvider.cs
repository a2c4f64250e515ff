using System.IO.Compression;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// PdfPig's filters with a cap on decoded size. Flate is inflated here in bounded steps, so a bomb stops at the
/// cap instead of filling memory; the other filters are checked after decoding. PdfPig swallows some exceptions
/// while reading a page, so a breach is also recorded in <see cref="Breach"/> for the parser to act on.
/// </summary>
internal sealed class CappedFilterProvider : BaseFilterProvider
{
    private CappedFilterProvider(Dictionary<string, IFilter> filters) : base(filters)
    {
    }

    public string? Breach { get; private set; }

    public static CappedFilterProvider Create(long maxDecodedBytes)
    {
        var filters = new Dictionary<string, IFilter>();
        CappedFilterProvider? provider = null;
        void Report(string breach) => provider!.Breach ??= breach;
        IFilter Wrap(IFilter inner) => new CappedFilter(inner, maxDecodedBytes, Report);

        var ascii85 = Wrap(new Ascii85Filter());
        var asciiHex = Wrap(new AsciiHexDecodeFilter());
        var ccitt = Wrap(new CcittFaxDecodeFilter());
        var dct = Wrap(new DctDecodeFilter());
        var flate = Wrap(new FlateFilter());
        var jbig2 = Wrap(new Jbig2DecodeFilter());
        var jpx = Wrap(new JpxDecodeFilter());
        var runLength = Wrap(new RunLengthFilter());
        var lzw = Wrap(new LzwFilter());
        filters["ASCII85Decode"] = ascii85;
        filters["A85"] = ascii85;
        filters["ASCIIHexDecode"] = asciiHex;
        filters["AHx"] = asciiHex;
        filters["CCITTFaxDecode"] = ccitt;
        filters["CCF"] = ccitt;
        filters["DCTDecode"] = dct;
        filters["DCT"] = dct;
        filters["FlateDecode"] = flate;
        filters["Fl"] = flate;
        filters["JBIG2Decode"] = jbig2;
        filters["JPXDecode"] = jpx;
        filters["RunLengthDecode"] = runLength;
        filters["RL"] = runLength;
        filters["LZWDecode"] = lzw;
        filters["LZW"] = lzw;
        provider = new CappedFilterProvider(filters);
        return provider;
    }

    private sealed class CappedFilter(IFilter inner, long maxDecodedBytes, Action<string> report) : IFilter
    {
        public bool IsSupported => inner.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            if (inner is FlateFilter)
            {
                // Inflate with a bound first: the real filter (which also applies predictors) runs only on data known to fit.
                EnsureInflatesWithinCap(input);
            }

            var output = inner.Decode(input, streamDictionary, filterProvider, filterIndex);
            if (output.Length > maxDecodedBytes)
            {
                throw Exceed();
            }
            return output;
        }

        private void EnsureInflatesWithinCap(Memory<byte> input)
        {
            if (input.Length < 2)
            {
                return;
            }
            // Skip the 2-byte zlib header the way PdfPig does; damaged data is left to the real filter to judge.
            using var source = new MemoryStream(input.ToArray(), 2, input.Length - 2, writable: false);
            using var inflater = new DeflateStream(source, CompressionMode.Decompress);
            var buffer = new byte[81920];
            long total = 0;
            try
            {
                int read;
                while ((read = inflater.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += read;
                    if (total > maxDecodedBytes)
                    {
                        throw Exceed();
                    }
                }
            }
            catch (InvalidDataException)
            {
                // Damaged or truncated streams are common; what inflated so far is within the cap.
            }
        }

        private DocumentRejectedException Exceed()
        {
            var message = $"A compressed stream in the PDF decodes to more than {maxDecodedBytes / (1024 * 1024):N0} MB (a decompression bomb); the file was refused.";
            report(message);
            return new DocumentRejectedException(RejectionReason.ResourceLimit, message);
        }
    }
}
