using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Identity;
using Microsoft.Extensions.Configuration;

namespace AxWorkbench.Web.Tests.Hosting;

/// <summary>Every deployment profile parses (JSON with comments) and its settings pass the same validation as at start.</summary>
public sealed class AppSettingsTemplatesTests
{
    private static readonly string TemplatesDirectory = Path.Combine(AppContext.BaseDirectory, "appsettings.templates");

    public static TheoryData<string> Templates() => new(["cpu-demo.json", "single-gpu.json", "production.json", "multi-node.json", "../appsettings.json"]);

    [Theory]
    [MemberData(nameof(Templates))]
    public void Template_ParsesAndEverySectionValidates(string file)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(Path.Combine(TemplatesDirectory, file)), optional: false).Build();

        AssertValid(configuration.GetSection(DataOptions.SectionName).Get<DataOptions>() ?? new DataOptions());
        AssertValid(configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions());
        AssertValid(configuration.GetSection(DemoOptions.SectionName).Get<DemoOptions>() ?? new DemoOptions());
        AssertValid(configuration.GetSection(InferenceOptions.SectionName).Get<InferenceOptions>() ?? new InferenceOptions());
        var markings = configuration.GetSection(MarkingOptions.SectionName).Get<MarkingOptions>() ?? new MarkingOptions();
        Assert.True(Enum.IsDefined(markings.Scheme));
    }

    [Fact]
    public void ProductionTemplate_SeedsNoDemoUsers()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(TemplatesDirectory, "production.json")).Build();

        Assert.False(configuration.GetSection(DemoOptions.SectionName).Get<DemoOptions>()!.Enabled);
        Assert.StartsWith("https://", configuration["Kestrel:Endpoints:Https:Url"], StringComparison.Ordinal);
    }

    [Fact]
    public void MultiNodeTemplate_IsPostgres_WithANodeId_AndAValidClusterSection()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(TemplatesDirectory, "multi-node.json")).Build();
        var data = configuration.GetSection(DataOptions.SectionName).Get<DataOptions>()!;

        Assert.True(data.IsPostgres);
        Assert.False(string.IsNullOrWhiteSpace(data.NodeId));
        // Originals on a folder every node shares, not in the node's own data folder.
        Assert.False(data.DocumentsInDataDirectory);
        Assert.False(Path.GetFullPath(data.ResolveDocumentsDirectory("/")).StartsWith(data.ResolveDataDirectory("/") + "/", StringComparison.Ordinal));
        AssertValid(configuration.GetSection(AxWorkbench.Core.Cluster.ClusterOptions.SectionName).Get<AxWorkbench.Core.Cluster.ClusterOptions>()!);
        Assert.True(File.Exists(Path.Combine(TemplatesDirectory, "haproxy-multi-node.cfg")));
    }

    private static void AssertValid(object options)
    {
        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        Assert.True(valid, $"{options.GetType().Name}: {string.Join("; ", results.Select(r => r.ErrorMessage))}");
    }
}
