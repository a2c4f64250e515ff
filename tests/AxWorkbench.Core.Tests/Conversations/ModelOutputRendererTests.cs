using System.Text;
using System.Text.RegularExpressions;
using AxWorkbench.Core.Conversations;

namespace AxWorkbench.Core.Tests.Conversations;

public sealed partial class ModelOutputRendererTests
{
    private static readonly ModelOutputRenderer _renderer = new();

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("![tracker](http://203.0.113.9/pixel.png)")]
    [InlineData("<a href=\"http://evil.example\">x</a>")]
    [InlineData("<svg/onload=alert(1)>")]
    [InlineData("<iframe src=//evil.example></iframe>")]
    public void HostileMarkdown_RendersInert(string text)
    {
        var html = _renderer.Render(text).Value;
        AssertInert(html);
    }

    [Fact]
    public void Markdown_FormattingListsTablesAndCode_Survive_AndCodeIsEscaped()
    {
        var html = _renderer.Render("**BLUF**: *moving*\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```html\n<script>alert(1)</script>\n```").Value;
        Assert.Contains("<strong>BLUF</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<li>one</li>", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<pre><code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_KeepTheirText_ButNotTheirTarget()
    {
        var html = _renderer.Render("see [the report](https://example.org/r) and ![map](http://x/m.png)").Value;
        Assert.Contains("the report", html, StringComparison.Ordinal);
        Assert.DoesNotContain("example.org", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    /// <summary>Every line of the XSS payload corpus (read as bytes; decoded both as UTF-8 and as Latin-1).</summary>
    [Fact]
    public void XssPayloadCorpus_EveryLine_RendersWithoutScriptHandlersOrUrls()
    {
        var path = XssCorpus.Path;
        if (path is null)
        {
            Console.WriteLine($"SKIPPED (corpus absent): {XssCorpus.Expected} not found; the XSS corpus test needs /work/shared/corpora/xss-payloads.");
            return;
        }

        var lines = XssCorpus.ReadLines(path);
        Assert.True(lines.Count > 6000, $"expected the 6,613-line corpus, read {lines.Count}");
        var rendered = 0;
        foreach (var bytes in lines)
        {
            foreach (var text in new[] { Encoding.UTF8.GetString(bytes), Encoding.Latin1.GetString(bytes) })
            {
                AssertInert(_renderer.Render(text).Value, text);
                rendered++;
            }
        }

        Console.WriteLine($"XSS corpus: {lines.Count} lines, {rendered} renderings, none kept a script, handler or URL.");
    }

    private static void AssertInert(string html, string? source = null)
    {
        var why = source is null ? html : $"payload {source} → {html}";
        Assert.DoesNotMatch(OpenTag("script|iframe|img|svg|object|embed|a|link|meta|style|form|input|base|math|video|audio|source"), html);
        Assert.False(AnyAttribute().IsMatch(html), "no attribute may survive: " + why);
        Assert.False(Url().IsMatch(StripText(html)), "no URL may survive in markup: " + why);
    }

    /// <summary>Tag markup only (text nodes may mention anything: they are escaped).</summary>
    private static string StripText(string html) => string.Concat(TagPattern().Matches(html).Select(m => m.Value));

    private static Regex OpenTag(string names) => new($"<({names})[\\s/>]", RegexOptions.IgnoreCase);

    [GeneratedRegex(@"<[a-z0-9]+\s+[^>]*=", RegexOptions.IgnoreCase)]
    private static partial Regex AnyAttribute();

    [GeneratedRegex(@"(javascript|vbscript|data|https?):|//", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex TagPattern();
}

/// <summary>Where the shared XSS corpus is (relative to the repository root: ../shared/corpora).</summary>
public static class XssCorpus
{
    public const string Expected = "../shared/corpora/xss-payloads/xss-payload-list.txt";

    public static string? Path
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "corpora", "xss-payloads", "xss-payload-list.txt");
                if (File.Exists(candidate) && File.Exists(System.IO.Path.Combine(dir.FullName, "AxWorkbench.sln")))
                {
                    return System.IO.Path.GetFullPath(candidate);
                }
            }

            return File.Exists("/work/shared/corpora/xss-payloads/xss-payload-list.txt") ? "/work/shared/corpora/xss-payloads/xss-payload-list.txt" : null;
        }
    }

    /// <summary>Lines as raw bytes (some are not valid UTF-8); empty lines are skipped.</summary>
    public static List<byte[]> ReadLines(string path)
    {
        var all = File.ReadAllBytes(path);
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= all.Length; i++)
        {
            if (i == all.Length || all[i] == (byte)'\n')
            {
                var end = i > start && all[i - 1] == (byte)'\r' ? i - 1 : i;
                if (end > start)
                {
                    lines.Add(all[start..end]);
                }

                start = i + 1;
            }
        }

        return lines;
    }
}
