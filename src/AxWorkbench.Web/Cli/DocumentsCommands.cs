using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Worker;

namespace AxWorkbench.Web.Cli;

/// <summary>
/// `documents extract &lt;file&gt; [--json] [--key-sentences]`: runs the same parser worker as an upload, with the same
/// settings (Documents:Worker), on one file and prints each page's text, where it came from (text, ocr, pdftotext) and
/// OCR's confidence, storing nothing: for checking a site's scans before import. Exit 0 read, 1 refused or not found.
/// </summary>
internal static class DocumentsCommands
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // Hangul stays readable; this is printed, never embedded in HTML
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Build(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "The file to read (PDF, DOCX, HWPX, text, HTML, or a scan: PNG, JPEG, TIFF)." };
        var json = new Option<bool>("--json") { Description = "Print JSON: {\"pages\":[{\"number\",\"source\",\"confidence\",\"text\"}], ...}." };
        var keySentences = new Option<bool>("--key-sentences") { Description = "Also list the document's key sentences (text and page), as the reader shows them." };
        var extract = new Command("extract", "Read one file through the parser worker (OCR included) and print each page's text, source and confidence; nothing is stored.")
        {
            file, json, keySentences,
        };
        extract.SetAction((parse, ct) => ExtractAsync(context, parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(keySentences), ct));
        var documents = new Command("documents", "Check documents before import (nothing is stored).");
        documents.Subcommands.Add(extract);
        return documents;
    }

    private static async Task<int> ExtractAsync(CliContext context, FileInfo file, bool json, bool withKeySentences, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            await context.Error.WriteLineAsync($"error: there is no file '{file.FullName}'.");
            return 1;
        }

        // Only the worker and its settings: no database, no audit, nothing written.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"),
        });
        builder.Configuration.AddInMemoryCollection(context.Settings);
        builder.Logging.ClearProviders(); // stdout carries the text or the JSON only; refusals are reported below
        builder.Services.AddOptionsWithValidateOnStart<ParserWorkerOptions>()
            .Bind(builder.Configuration.GetSection(ParserWorkerOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.AddSingleton<ParserWorkerClient>();
        using var host = builder.Build();
        var worker = host.Services.GetRequiredService<ParserWorkerClient>();
        var progress = new SynchronousProgress(step => context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"page {step.Page}: {(step.Source == PageSource.Ocr ? "OCR" : "pdftotext")} ({step.Step} of {step.Steps})")));

        ParsedDocument parsed;
        try
        {
            parsed = await worker.ParseAsync(file.FullName, cancellationToken, progress: progress);
        }
        catch (DocumentRejectedException ex)
        {
            await context.Error.WriteLineAsync($"refused ({ex.Reason}): {ex.Message}");
            return 1;
        }
        catch (ParserWorkerUnavailableException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }

        var sentences = withKeySentences ? KeySentences.Extract(parsed.Pages, 5) : null;
        if (json)
        {
            var report = new ExtractReport(
                file.Name,
                parsed.Format.ToString(),
                [.. parsed.Pages.Select(p => new ExtractedPage(p.Number, Source(p.Source), p.Confidence, p.Text))],
                parsed.Warnings,
                sentences?.Select(s => new ExtractedSentence(s.Text, s.Page)).ToList());
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, Json));
            return 0;
        }

        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{file.Name}: {parsed.Format}, {parsed.Pages.Count} pages"));
        foreach (var page in parsed.Pages)
        {
            var confidence = page.Confidence is { } c ? string.Create(CultureInfo.InvariantCulture, $", confidence {c:0.00}") : "";
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"--- page {page.Number} ({Source(page.Source)}{confidence})"));
            await context.Output.WriteLineAsync(page.Text);
        }
        foreach (var warning in parsed.Warnings)
        {
            await context.Output.WriteLineAsync($"note: {warning}");
        }
        if (sentences is not null)
        {
            await context.Output.WriteLineAsync("--- key sentences");
            foreach (var sentence in sentences)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"[p. {sentence.Page}] {sentence.Text}"));
            }
        }
        return 0;
    }

    private static string Source(PageSource source) => source.ToString().ToLowerInvariant();

    private sealed record ExtractReport(string File, string Format, IReadOnlyList<ExtractedPage> Pages, IReadOnlyList<string> Warnings, IReadOnlyList<ExtractedSentence>? KeySentences);

    private sealed record ExtractedPage(int Number, string Source, double? Confidence, string Text);

    private sealed record ExtractedSentence(string Text, int Page);

    /// <summary>Reports at once, on the reporting thread (<see cref="Progress{T}"/> would post to the thread pool and print out of order).</summary>
    private sealed class SynchronousProgress(Action<ParseProgress> report) : IProgress<ParseProgress>
    {
        public void Report(ParseProgress value) => report(value);
    }
}
