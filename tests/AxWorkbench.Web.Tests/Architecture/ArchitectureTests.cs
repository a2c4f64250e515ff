using System.Reflection;
using AxWorkbench.Core.Markings;
using NetArchTest.Rules;

namespace AxWorkbench.Web.Tests.Architecture;

/// <summary>
/// The rules of docs/ARCHITECTURE.md, checked on the compiled assemblies: Core features form no cycle, LLamaSharp is
/// used only by Core/Inference, Core knows nothing of ASP.NET Core's HTTP stack or of the Web project.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Core = typeof(Marking).Assembly;
    private static readonly Assembly Web = typeof(Program).Assembly;

    /// <summary>The Core features, one folder and namespace each (docs/ARCHITECTURE.md).</summary>
    public static IReadOnlyList<string> Features { get; } = [.. Core.GetTypes()
        .Select(t => t.Namespace)
        .OfType<string>()
        .Where(n => n.StartsWith("AxWorkbench.Core.", StringComparison.Ordinal))
        .Select(n => n.Split('.')[2])
        .Distinct()
        .Order(StringComparer.Ordinal)];

    [Fact]
    public void CoreFeatures_AreTheDocumentedOnes()
    {
        // A new top-level folder in Core is a new feature: it belongs in the architecture doc and its graph.
        Assert.Equal(
            ["Actors", "ApiKeys", "Audit", "Backup", "Cluster", "Conversations", "Data", "Documents", "Identity", "Inference", "Lightweighting", "Markings", "Retrieval", "Review"],
            Features);
        // The dependency checks match namespaces by prefix: no feature's name may begin another's.
        Assert.DoesNotContain(Features, a => Features.Any(b => a != b && b.StartsWith(a, StringComparison.Ordinal)));
    }

    [Fact]
    public void CoreFeatures_HaveNoDependencyCycle()
    {
        var graph = DependencyGraph();
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"Core features depend on each other in a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Theory]
    [InlineData("Markings")]
    [InlineData("Inference")]
    [InlineData("Data")]
    [InlineData("Actors")]
    public void FoundationFeatures_DependOnNoOtherFeature_ButMarkings(string feature)
    {
        var graph = DependencyGraph();
        Assert.All(graph[feature], dependency => Assert.Equal("Markings", dependency));
    }

    [Fact]
    public void LlamaSharp_IsReferencedOnlyUnderCoreInference()
    {
        var core = Types.InAssembly(Core).That().DoNotResideInNamespace("AxWorkbench.Core.Inference")
            .Should().NotHaveDependencyOn("LLama").GetResult();
        var web = Types.InAssembly(Web).Should().NotHaveDependencyOn("LLama").GetResult();
        Assert.True(core.IsSuccessful, "LLamaSharp used outside Core/Inference: " + Names(core));
        Assert.True(web.IsSuccessful, "LLamaSharp used in Web: " + Names(web));
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Http")]
    [InlineData("Microsoft.AspNetCore.Mvc")]
    [InlineData("Microsoft.AspNetCore.Routing")]
    [InlineData("Microsoft.AspNetCore.Builder")]
    [InlineData("Microsoft.AspNetCore.Components")]
    [InlineData("Microsoft.AspNetCore.Hosting")]
    public void Core_UsesNoAspNetCoreHttpTypes(string aspNetNamespace)
    {
        var result = Types.InAssembly(Core).Should().NotHaveDependencyOn(aspNetNamespace).GetResult();
        Assert.True(result.IsSuccessful, $"Core depends on {aspNetNamespace}: " + Names(result));
    }

    [Fact]
    public void Core_ReferencesNoWebType()
    {
        Assert.DoesNotContain(Core.GetReferencedAssemblies(), a => a.Name == Web.GetName().Name);
        var result = Types.InAssembly(Core).Should().NotHaveDependencyOn("AxWorkbench.Web").GetResult();
        Assert.True(result.IsSuccessful, "Core depends on Web: " + Names(result));
    }

    [Fact]
    public void DependencyGraph_SeesAKnownDependency()
    {
        // Guards the checks above against passing vacuously (a wrong namespace string finds nothing).
        var graph = DependencyGraph();
        Assert.Contains("Markings", graph["Conversations"]);
        Assert.Contains("Inference", graph["Conversations"]);
        Assert.NotNull(FindCycle(new Dictionary<string, IReadOnlySet<string>>
        {
            ["A"] = new HashSet<string> { "B" },
            ["B"] = new HashSet<string> { "A" },
        }));
    }

    private static Dictionary<string, IReadOnlySet<string>> DependencyGraph()
    {
        var graph = new Dictionary<string, IReadOnlySet<string>>();
        foreach (var from in Features)
        {
            var uses = new HashSet<string>(StringComparer.Ordinal);
            foreach (var to in Features.Where(f => f != from))
            {
                var result = Types.InAssembly(Core).That().ResideInNamespace($"AxWorkbench.Core.{from}")
                    .Should().NotHaveDependencyOn($"AxWorkbench.Core.{to}").GetResult();
                if (!result.IsSuccessful)
                {
                    uses.Add(to);
                }
            }
            graph[from] = uses;
        }
        return graph;
    }

    private static List<string>? FindCycle(IReadOnlyDictionary<string, IReadOnlySet<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        foreach (var node in graph.Keys)
        {
            if (Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;

        List<string>? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2)
            {
                return null;
            }
            if (state.GetValueOrDefault(node) == 1)
            {
                return [.. path.SkipWhile(n => n != node), node];
            }
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges : new HashSet<string>())
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    private static string Names(TestResult result) =>
        string.Join(", ", (result.FailingTypeNames ?? []).Take(20));
}
