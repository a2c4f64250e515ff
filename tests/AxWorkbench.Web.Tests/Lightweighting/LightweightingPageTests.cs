using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Lightweighting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AxWorkbench.Web.Tests.Lightweighting;

/// <summary>The lab page over the real lab service (SQLite file, files in a model folder; no model is loaded).</summary>
public sealed class LightweightingPageTests : WorkbenchTestContext, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-lab-tests", Guid.NewGuid().ToString("N"));
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private IHost _host = null!;

    private string Models => Path.Combine(_directory, "models");

    async Task IAsyncLifetime.InitializeAsync()
    {
        Directory.CreateDirectory(Models);
        // Not a GGUF: enough for the file list and the comparison; the quantizer refuses it.
        await File.WriteAllBytesAsync(Path.Combine(Models, "base.gguf"), new byte[4096]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:DataDirectory"] = Path.Combine(_directory, "data"),
            ["Inference:FixtureDirectory"] = Models,
        });
        builder.AddWorkbenchData();
        builder.AddMarkings();
        builder.AddInference();
        builder.AddLightweighting();
        _host = builder.Build();
        await _host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        Services.AddSingleton(_host.Services.GetRequiredService<LightweightingLab>());
        Services.AddSingleton(_host.Services.GetRequiredService<IModelStatus>());
        Services.AddScoped<CurrentUser>();
        AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin);
    }

    [Fact]
    public void Page_ListsTheModelFolder_AndComparesTheSource()
    {
        var cut = Render<LightweightingPage>();

        cut.WaitForAssertion(() => Assert.Equal("base.gguf", cut.Find("[data-testid=lab-row]").GetAttribute("data-file")), Wait);
        Assert.Contains("(source)", cut.Find("[data-testid=lab-row]").TextContent, StringComparison.Ordinal);
        Assert.False(cut.Find("[data-testid=lab-quantize]").HasAttribute("disabled"));
    }

    [Fact]
    public void Quantize_FileThatIsNotAGguf_ShowsTheRefusalOnThePage()
    {
        var cut = Render<LightweightingPage>();
        cut.WaitForElement("[data-testid=lab-row]", Wait);

        cut.Find("[data-testid=lab-quantize]").Click();

        cut.WaitForAssertion(() => Assert.Contains("cannot be quantized", cut.Find("[data-testid=lab-error]").TextContent, StringComparison.Ordinal), Wait);
        Assert.Empty(cut.FindAll("[data-testid=lab-job]"));
    }

    [Fact]
    public async Task Evaluate_WithoutText_AsksForOne()
    {
        var cut = Render<LightweightingPage>();
        cut.WaitForElement("[data-testid=lab-row]", Wait);

        await cut.InvokeAsync(() => cut.FindComponent<EvaluateForm>().Instance.OnEvaluate.InvokeAsync(new EvaluationRequest(Path.Combine(Models, "base.gguf"), null, 2)));

        cut.WaitForAssertion(() => Assert.Equal("Choose a text: upload a file or give a path.", cut.Find("[data-testid=lab-error]").TextContent.Trim()), Wait);
        Assert.Empty(cut.FindAll("[data-testid=lab-job]"));
    }

    [Fact]
    public async Task Evaluate_WithAServerPathThatDoesNotExist_SaysSo()
    {
        var cut = Render<LightweightingPage>();
        cut.WaitForElement("[data-testid=lab-row]", Wait);
        var missing = Path.Combine(_directory, "missing.txt");

        await cut.InvokeAsync(() => cut.FindComponent<EvaluateForm>().Instance.OnEvaluate.InvokeAsync(new EvaluationRequest(Path.Combine(Models, "base.gguf"), missing, 2)));

        cut.WaitForAssertion(() => Assert.Contains($"'{missing}' does not exist on the server.", cut.Find("[data-testid=lab-error]").TextContent, StringComparison.Ordinal), Wait);
    }

    [Fact]
    public async Task QueuedJob_IsListed_AndItsCancelButtonEndsIt()
    {
        // The host's job runner is not started here: the job stays queued until it is cancelled.
        var lab = _host.Services.GetRequiredService<LightweightingLab>();
        var job = await lab.StartEvaluateAsync(Path.Combine(Models, "base.gguf"), Path.Combine(Models, "base.gguf"), "some text", "note.txt", "admin");
        var cut = Render<LightweightingPage>();

        cut.WaitForAssertion(() => Assert.Equal("Queued", cut.Find("[data-testid=lab-job-status]").TextContent.Trim()), Wait);
        Assert.Contains("base.gguf vs base.gguf on note.txt", cut.Find("[data-testid=lab-job]").TextContent, StringComparison.Ordinal);
        cut.Find("[data-testid=lab-job-cancel]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find("[data-testid=lab-job-status]").TextContent.Trim()), Wait);
        Assert.Contains("Cancelled by admin", cut.Find("[data-testid=lab-job]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=lab-job-cancel]"));
        Assert.Equal(LabJobStatus.Cancelled, (await lab.ListJobsAsync(default)).Single(j => j.Id == job.Id).Status);
    }

    [Fact]
    public void QuantizeForm_RaisesTheChosenType_AndIsDisabledWithoutASource()
    {
        string? raised = null;
        var form = Render<QuantizeForm>(p => p
            .Add(x => x.Files, ["/models/a.gguf"])
            .Add(x => x.Source, "/models/a.gguf")
            .Add(x => x.OnQuantize, type => raised = type));
        var empty = Render<QuantizeForm>(p => p.Add(x => x.Files, []).Add(x => x.Source, null));

        form.Find("[data-testid=lab-quantize]").Click();

        Assert.Equal("Q8_0", raised);
        Assert.True(empty.Find("[data-testid=lab-quantize]").HasAttribute("disabled"));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
