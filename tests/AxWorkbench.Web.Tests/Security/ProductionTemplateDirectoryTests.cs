using System.Text;
using AxWorkbench.Core.Identity;
using Microsoft.Extensions.Configuration;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>The production profile's commented directory sample, uncommented, binds to Security:Directory and validates (but for its files).</summary>
public sealed class ProductionTemplateDirectoryTests
{
    [Fact]
    public void ProductionTemplate_DirectorySample_Uncommented_BindsAndOnlyMissesItsFiles()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "appsettings.templates", "production.json"));
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith("// ,\"Directory\": {", StringComparison.Ordinal));
        Assert.True(start >= 0, "The production template has no commented \"Directory\" sample.");
        var end = Array.FindIndex(lines, start, l => l.Trim() == "// }");
        var json = new StringBuilder("{ \"Security\": {");
        foreach (var line in lines[start..(end + 1)])
        {
            json.AppendLine(line.TrimStart()[2..]);
        }
        json.Replace(",\"Directory\"", "\"Directory\"").Append("} }");

        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json.ToString()))).Build();
        var options = configuration.GetSection(DirectoryOptions.SectionName).Get<DirectoryOptions>()!;
        var result = new DirectoryOptionsValidator().Validate(null, options);

        Assert.True(options.Enabled);
        Assert.Equal(DirectoryTransport.Ldaps, options.Security);
        Assert.Equal("ldaps://dc1.site.mil:636", options.Url);
        Assert.Equal(3, options.GroupRoles.Count);
        Assert.Equal(["Admin"], options.RolesFor(["cn=wb-admins, ou=Groups, dc=site, dc=mil"]));
        // On this machine the sample's secret and CA files do not exist; everything else must pass.
        Assert.All(result.Failures!, f => Assert.True(f.Contains("BindPasswordFile", StringComparison.Ordinal) || f.Contains("CaBundle", StringComparison.Ordinal), f));
        Assert.Equal(2, result.Failures!.Count());
    }
}
