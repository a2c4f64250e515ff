using System.Text;
using System.Text.RegularExpressions;
using AxWorkbench.E2E.Infrastructure;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Documents;

/// <summary>Upload through the real page and the real parser worker; the reader; the refusal of a disguised program.</summary>
public sealed class DocumentsTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [Fact]
    public async Task UploadPdf_OpenReader_ThenExeRenamedPdf_IsRefused()
    {
        await LogInAsync("analyst");
        await Page.GotoAsync("/documents");
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Shell.PageTitle).ToHaveTextAsync(UiText.En("DocumentsTitle"));

        var name = $"e2e-brief-{Guid.NewGuid():N}.pdf";
        await DeclareAsync("UNCLASSIFIED");
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = name,
            MimeType = "application/pdf",
            Buffer = SimplePdf("(U) The logistics convoy departs the northern depot at dawn on Tuesday.", "(U) Escorts come from the second battalion of the brigade."),
        });
        var row = Page.GetByTestId("document-list").Locator("tr", new() { HasText = name });
        await Expect(row.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusReady"), new() { Timeout = 30_000 });

        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/documents/[0-9a-f-]{36}$"));
        await Expect(Shell.PageTitle).ToHaveTextAsync(name);
        await Expect(Page.GetByTestId("reader-page").First).ToContainTextAsync("logistics convoy departs");
        await Expect(Page.GetByTestId("portion-mark").First).ToHaveTextAsync("(U)");
        await Expect(Page.GetByTestId("key-sentences")).ToContainTextAsync("[p. 1]");
        await Expect(Shell.BannerTop).ToHaveTextAsync("UNCLASSIFIED");

        await Page.GotoAsync("/documents");
        await Shell.WaitUntilInteractiveAsync();
        var program = $"e2e-program-{Guid.NewGuid():N}.pdf";
        await DeclareAsync("UNCLASSIFIED");
        var exe = new byte[2048];
        exe[0] = (byte)'M';
        exe[1] = (byte)'Z';
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = program, MimeType = "application/pdf", Buffer = exe });
        await Expect(Page.GetByTestId("upload-error")).ToContainTextAsync("Windows program", new() { Timeout = 30_000 });
        var refused = Page.GetByTestId("document-list").Locator("tr", new() { HasText = program });
        await Expect(refused.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusFailed"));
    }

    [Fact]
    public async Task UploadPdf_ParsedInBackground_ThenBlufSummary_ShowsProgressCitationsAndBanner()
    {
        await LogInAsync("analyst");
        await Page.GotoAsync("/documents");
        await Shell.WaitUntilInteractiveAsync();

        var name = $"e2e-summary-{Guid.NewGuid():N}.pdf";
        await DeclareAsync("UNCLASSIFIED");
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = name,
            MimeType = "application/pdf",
            Buffer = SimplePdf("(U) The fuel depot at the river crossing holds four days of supply.", "(U) Resupply convoys run every second night."),
        });
        // Stored first, then parsed by the background job: the row appears and turns ready without a page reload.
        var row = Page.GetByTestId("document-list").Locator("tr", new() { HasText = name });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByTestId("document-status")).ToContainTextAsync(UiText.En("DocumentsStatusReady"), new() { Timeout = 30_000 });

        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(Shell.PageTitle).ToHaveTextAsync(name);
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Page.GetByTestId("fixture-notice")).ToBeVisibleAsync();
        await Page.GetByTestId("summary-run").ClickAsync();

        var summary = Page.GetByTestId("summary").First;
        await Expect(summary).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 120_000 });
        await Expect(summary.GetByTestId("summary-steps")).ToHaveTextAsync("1 of 1 steps");
        await Expect(summary).ToContainTextAsync(UiText.En("SummariesModeBluf"));
        await Expect(summary.GetByTestId("summary-citation").First).ToHaveTextAsync("[p. 1]");
        await Expect(Shell.BannerTop).ToHaveTextAsync("UNCLASSIFIED");

        // The saved summary is still there after leaving and coming back.
        await Page.ReloadAsync();
        await Shell.WaitUntilInteractiveAsync();
        await Expect(Page.GetByTestId("summary").First.GetByTestId("summary-citation").First).ToHaveTextAsync("[p. 1]");
    }

    private async Task DeclareAsync(string level)
    {
        await Page.GetByTestId("upload-marking").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = level }).First.ClickAsync();
        await Expect(Page.Locator("input[type=file]")).ToBeEnabledAsync();
    }

    /// <summary>A one-page PDF with the given lines (Helvetica), with a correct cross-reference table.</summary>
    private static byte[] SimplePdf(params string[] lines)
    {
        var content = new StringBuilder("BT /F1 12 Tf 72 720 Td 14 TL\n");
        foreach (var line in lines)
        {
            content.Append('(').Append(line.Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal)).Append(") Tj T*\n");
        }
        content.Append("ET");
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }
        pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
