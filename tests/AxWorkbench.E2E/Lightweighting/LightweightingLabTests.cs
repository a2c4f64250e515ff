using System.Text.RegularExpressions;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;
using AxWorkbench.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Lightweighting;

public sealed class LightweightingLabTests(WorkbenchFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    private const float Slow = 180_000; // quantize + evaluate on a busy 2-core machine: awaited as conditions, never slept on

    /// <summary>../shared/corpora/kr-defense-laws next to the project root, or null when this machine does not have it.</summary>
    private static string? KoreanLawFile() =>
        SharedCorpora.Find("kr-defense-laws/kr") is { } corpus
            ? Directory.EnumerateFiles(corpus, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault()
            : null;

    private ILocator Row(string fileName) => Page.Locator($"[data-testid=lab-row][data-file='{fileName}']");

    private async Task ChooseAsync(string selectTestId, string itemText)
    {
        await Page.GetByTestId(selectTestId).ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = itemText }).First.ClickAsync();
        await Expect(Page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Admin_QuantizesTheFixture_EvaluatesOnAKoreanLaw_ComparesAndPromotes_ModelPageShowsIt()
    {
        var law = KoreanLawFile();
        if (law is null)
        {
            Output.WriteLine("SKIPPED IN EFFECT: ../shared/corpora/kr-defense-laws is absent on this machine, so the lab's evaluation on a Korean statute cannot be shown.");
            return;
        }

        var engine = Fixture.App.Services.GetRequiredService<InferenceEngine>();
        var original = engine.Info?.Path;
        var models = Path.Combine(Fixture.App.DataDirectory, "models");
        var source = Path.Combine(models, "lab-medium.F16.gguf");
        FixtureModelWriter.Write(source, "medium", 21); // the small fixture's 176-wide rows fit no quantization type
        try
        {
            await LogInAsync("admin");
            await Shell.Nav("lab").ClickAsync();
            await Expect(Page).ToHaveURLAsync(new Regex("/admin/lightweighting$"));
            await Expect(Page.GetByTestId("page-title")).ToHaveTextAsync(UiText.En("LabTitle"));

            await ChooseAsync("lab-source", "lab-medium.F16.gguf");
            await ChooseAsync("lab-type", "Q8_0");
            await Page.GetByTestId("lab-quantize").ClickAsync();
            await Expect(Page.GetByTestId("lab-job-status").First).ToHaveTextAsync("Completed", new() { Timeout = Slow });
            await Expect(Row("lab-medium.Q8_0.gguf")).ToBeVisibleAsync();

            await ChooseAsync("lab-variant", "lab-medium.Q8_0.gguf");
            await Page.GetByTestId("lab-text-upload").SetInputFilesAsync(law);
            await Expect(Page.GetByTestId("lab-text-name")).ToBeVisibleAsync();
            await Page.Locator("input[data-testid=lab-windows], [data-testid=lab-windows] input").First.FillAsync("2");
            await Page.GetByTestId("lab-evaluate").ClickAsync();
            await Expect(Page.GetByTestId("lab-job").First).ToContainTextAsync("Evaluate");
            await Expect(Page.GetByTestId("lab-job-status").First).ToHaveTextAsync("Completed", new() { Timeout = Slow });
            var kl = Row("lab-medium.Q8_0.gguf").GetByTestId("lab-kl");
            await Expect(kl).Not.ToContainTextAsync(UiText.En("LabNotEvaluated"));
            await Expect(Row("lab-medium.Q8_0.gguf").GetByTestId("lab-top1")).ToContainTextAsync("%");
            await Expect(Page.GetByTestId("lab-chart")).ToBeVisibleAsync();
            Output.WriteLine("Comparison: " + await Page.GetByTestId("lab-compare").InnerTextAsync());

            await Row("lab-medium.Q8_0.gguf").GetByTestId("lab-promote").ClickAsync();
            await Expect(Page.GetByTestId("lab-notice")).ToContainTextAsync("lab-medium.Q8_0.gguf", new() { Timeout = Slow });
            await Expect(Row("lab-medium.Q8_0.gguf").GetByTestId("lab-serving")).ToBeVisibleAsync();

            await Shell.Nav("model").ClickAsync();
            await Expect(Page.GetByTestId("model-state")).ToHaveTextAsync("Ready");
            await Expect(Page.GetByText("lab-medium.Q8_0.gguf")).ToBeVisibleAsync();
        }
        finally
        {
            if (original is not null && engine.Info?.Path != original)
            {
                // Other tests share this app: serve the fixture they expect again.
                await Fixture.App.Services.GetRequiredService<LightweightingLab>().PromoteAsync(original, "e2e-cleanup", CancellationToken.None);
            }
        }
    }
}
