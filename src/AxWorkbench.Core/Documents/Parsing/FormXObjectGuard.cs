using System.Text.RegularExpressions;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Parser.Parts;
using UglyToad.PdfPig.Tokenization.Scanner;
using UglyToad.PdfPig.Tokens;

namespace AxWorkbench.Core.Documents.Parsing;

/// <summary>
/// Finds form XObjects that invoke themselves, directly or through others, before PdfPig reads a page: PdfPig
/// follows such cycles until the stack overflows, which ends the whole process. Walks the page tree from the
/// catalog with public PdfPig token APIs, decoding form content through the capped filters.
/// </summary>
internal sealed partial class FormXObjectGuard(IPdfTokenScanner scanner, IFilterProvider filters, ParserLimits limits)
{
    private static readonly NameToken _xObject = NameToken.Create("XObject");
    private static readonly NameToken _resources = NameToken.Create("Resources");
    private static readonly NameToken _subtype = NameToken.Create("Subtype");
    private static readonly NameToken _form = NameToken.Create("Form");
    private static readonly NameToken _kids = NameToken.Create("Kids");
    private static readonly NameToken _contents = NameToken.Create("Contents");

    /// <summary>The page dictionaries in page order (at most <see cref="ParserLimits.MaxPages"/>), with inherited resources.</summary>
    public List<(DictionaryToken Page, DictionaryToken? Resources)> Pages(DictionaryToken catalog)
    {
        var pages = new List<(DictionaryToken, DictionaryToken?)>();
        if (!catalog.TryGet(NameToken.Pages, out var root) || !TryResolve(root, out DictionaryToken? rootNode))
        {
            return pages;
        }

        var seen = new HashSet<IndirectReference>();
        var stack = new Stack<(DictionaryToken Node, DictionaryToken? Resources, int Depth)>();
        stack.Push((rootNode, null, 0));
        while (stack.Count > 0 && pages.Count < limits.MaxPages)
        {
            var (node, inherited, depth) = stack.Pop();
            var resources = node.TryGet(_resources, out var r) && TryResolve(r, out DictionaryToken? own) ? own : inherited;
            if (node.TryGet(_kids, out var kidsToken) && TryResolve(kidsToken, out ArrayToken? kids))
            {
                if (depth > 64)
                {
                    throw new DocumentRejectedException(RejectionReason.RecursiveStructure, "The PDF's page tree is nested too deeply; the file was refused.");
                }
                for (var i = kids.Data.Count - 1; i >= 0; i--)
                {
                    if (kids.Data[i] is IndirectReferenceToken kidRef && !seen.Add(kidRef.Data))
                    {
                        throw new DocumentRejectedException(RejectionReason.RecursiveStructure, "The PDF's page tree contains a loop; the file was refused.");
                    }
                    if (TryResolve(kids.Data[i], out DictionaryToken? kid))
                    {
                        stack.Push((kid, resources, depth + 1));
                    }
                }
            }
            else
            {
                pages.Add((node, resources));
            }
        }
        return pages;
    }

    /// <summary>Throws <see cref="DocumentRejectedException"/> when a form XObject reachable from the page invokes itself.</summary>
    public void CheckPage(int pageNumber, DictionaryToken page, DictionaryToken? pageResources)
    {
        CheckContentSize(pageNumber, page);
        if (pageResources is null)
        {
            return;
        }
        var visits = 0;
        var onPath = new HashSet<IndirectReference>();
        // Iterative depth-first walk: (form, resources it inherits, entered?).
        var stack = new Stack<(IndirectReference Form, DictionaryToken Resources, bool Exit)>();
        foreach (var reference in FormReferences(pageResources, invoked: null))
        {
            stack.Push((reference, pageResources, false));
        }

        while (stack.Count > 0)
        {
            var (form, inherited, exit) = stack.Pop();
            if (exit)
            {
                onPath.Remove(form);
                continue;
            }
            if (!onPath.Add(form))
            {
                throw new DocumentRejectedException(RejectionReason.RecursiveStructure,
                    $"Page {pageNumber} draws a form XObject ({form.ObjectNumber} {form.Generation} R) that draws itself; such a file crashes PDF readers and was refused.");
            }
            if (++visits > limits.MaxFormXObjectVisits)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"Page {pageNumber} nests more than {limits.MaxFormXObjectVisits:N0} form XObjects; the file was refused.");
            }
            stack.Push((form, inherited, true));
            if (!TryResolve(new IndirectReferenceToken(form), out StreamToken? stream))
            {
                continue;
            }
            var resources = stream.StreamDictionary.TryGet(_resources, out var r) && TryResolve(r, out DictionaryToken? own) ? own : inherited;
            var invoked = InvokedNames(stream);
            foreach (var child in FormReferences(resources, invoked))
            {
                stack.Push((child, resources, false));
            }
        }
    }

    private void CheckContentSize(int pageNumber, DictionaryToken page)
    {
        if (!page.TryGet(_contents, out var contents))
        {
            return;
        }
        var streams = new List<StreamToken>();
        if (TryResolve(contents, out StreamToken? single))
        {
            streams.Add(single);
        }
        else if (TryResolve(contents, out ArrayToken? array))
        {
            foreach (var item in array.Data.Take(10_000))
            {
                if (TryResolve(item, out StreamToken? part))
                {
                    streams.Add(part);
                }
            }
        }

        long total = 0;
        foreach (var stream in streams)
        {
            try
            {
                total += stream.Decode(filters).Length;
            }
            catch (DocumentRejectedException)
            {
                throw;
            }
#pragma warning disable CA1031 // Undecodable content is PdfPig's to report.
            catch (Exception)
#pragma warning restore CA1031
            {
                continue;
            }
            if (total > limits.MaxPageContentBytes)
            {
                throw new DocumentRejectedException(RejectionReason.ResourceLimit,
                    $"Page {pageNumber} draws more than {limits.MaxPageContentBytes / (1024 * 1024):N0} MB of content (millions of glyphs); the file was refused.");
            }
        }
    }

    private IEnumerable<IndirectReference> FormReferences(DictionaryToken resources, HashSet<string>? invoked)
    {
        if (!resources.TryGet(_xObject, out var x) || !TryResolve(x, out DictionaryToken? xObjects))
        {
            yield break;
        }
        foreach (var (name, value) in xObjects.Data)
        {
            if (invoked is not null && !invoked.Contains(name))
            {
                continue;
            }
            if (value is IndirectReferenceToken reference
                && TryResolve(value, out StreamToken? stream)
                && stream.StreamDictionary.TryGet(_subtype, out var subtype) && _form.Equals(subtype))
            {
                yield return reference.Data;
            }
        }
    }

    private HashSet<string> InvokedNames(StreamToken stream)
    {
        byte[] content;
        try
        {
            content = stream.Decode(filters).ToArray();
        }
        catch (DocumentRejectedException)
        {
            throw;
        }
#pragma warning disable CA1031 // Undecodable content draws nothing; PdfPig will judge it on its own.
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
        var text = System.Text.Encoding.Latin1.GetString(content);
        return DoOperator().Matches(text).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
    }

    private bool TryResolve<T>(IToken token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? result)
        where T : class, IToken
    {
        try
        {
            return DirectObjectFinder.TryGet(token, scanner, out result);
        }
        catch (DocumentRejectedException)
        {
            throw;
        }
#pragma warning disable CA1031 // A broken object is PdfPig's to report; the guard only looks for cycles.
        catch (Exception)
#pragma warning restore CA1031
        {
            result = null;
            return false;
        }
    }

    [GeneratedRegex(@"/(?<name>[^\s/\[\]()<>{}%]+)\s*Do\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex DoOperator();
}
