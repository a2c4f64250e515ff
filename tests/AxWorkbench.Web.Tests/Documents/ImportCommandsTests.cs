using System.Text;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Web.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Web.Tests.Documents;

/// <summary>`import` against a real SQLite file and the real parser worker.</summary>
public sealed class ImportCommandsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "axwb-import-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Settings => new() { ["Data:DataDirectory"] = Path.Combine(_directory, "data"), ["Markings:Scheme"] = "Us", ["Retrieval:Embedder"] = "None" };

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, Settings);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Import_ReportsEachFile_KeepsGoingPastBadFiles_AndExitsZero()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, "in"));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "notes.md"), "# Exercise\n\n(U) The exercise starts Monday.\n");
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "program.pdf"), [(byte)'M', (byte)'Z', .. new byte[512]]);
        Directory.CreateDirectory(Path.Combine(folder.FullName, "sub"));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "sub", "marked.txt"), "SECRET\n(S) Positions.\n", Encoding.UTF8);
        await RunAsync("users", "add", "ops", "--role", "Analyst", "--clearance", "CONFIDENTIAL", "--unit", "HQ");

        var result = await RunAsync("import", folder.FullName, "--marking", "UNCLASSIFIED", "--owner", "ops");

        Assert.True(result.Exit == 0, result.Error);
        Assert.Contains("imported  notes.md (Text, 1 pages)", result.Output, StringComparison.Ordinal);
        Assert.Contains("rejected  program.pdf: The file is a Windows program", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"rejected  sub.marked\.txt: Page 1 carries the marking 'SECRET'", result.Output);
        Assert.Contains("3 files: 1 imported (1 pages), 2 rejected", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportIntoLibrary_IndexesEachImportedDocument_UnknownLibraryExitsNonZero()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, "in"));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "notes.md"), "# Exercise\n\n(U) The lighthouse exercise starts Monday.\n");
        await RunAsync("users", "add", "ops", "--role", "Analyst", "--clearance", "CONFIDENTIAL", "--unit", "HQ");
        var context = new CliContext(TextWriter.Null, TextWriter.Null, Settings);
        using (var host = await context.StartDataHostAsync(CancellationToken.None, b => b.AddRetrieval()))
        {
            await host.Services.GetRequiredService<RetrievalService>().CreateLibraryAsync("someone", "Exercise", new Marking(ClassificationLevel.Confidential), ["HQ"], CancellationToken.None);
        }

        var unknown = await RunAsync("import", folder.FullName, "--marking", "UNCLASSIFIED", "--owner", "ops", "--library", "Nope");
        var result = await RunAsync("import", folder.FullName, "--marking", "UNCLASSIFIED", "--owner", "ops", "--library", "Exercise");

        Assert.Equal(1, unknown.Exit);
        Assert.Contains("There is no library named 'Nope'", unknown.Error, StringComparison.Ordinal);
        Assert.True(result.Exit == 0, result.Error);
        Assert.Contains("imported  notes.md (Text, 1 pages, added to 'Exercise')", result.Output, StringComparison.Ordinal);
        using (var host = await context.StartDataHostAsync(CancellationToken.None, b => b.AddRetrieval()))
        {
            await host.Services.GetRequiredService<RetrievalIndexHost>().StartAsync(CancellationToken.None);
            var principal = new AxWorkbench.Core.Actors.WorkbenchActor("reader", "reader", [], new UserAuthorization(ClassificationLevel.Confidential, new HashSet<string>()), "HQ");
            var hits = await host.Services.GetRequiredService<RetrievalService>().SearchAsync(principal, new SearchRequest("lighthouse exercise"), CancellationToken.None);
            Assert.Equal("notes.md", Assert.Single(hits.Hits).Title);
            await host.Services.GetRequiredService<RetrievalIndexHost>().StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Import_MarkingAboveOwnersClearance_ExitsNonZeroWithoutImporting()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "in"));
        await RunAsync("users", "add", "ops", "--role", "Analyst", "--clearance", "CONFIDENTIAL", "--unit", "HQ");

        var result = await RunAsync("import", Path.Combine(_directory, "in"), "--marking", "SECRET", "--owner", "ops");

        Assert.Equal(1, result.Exit);
        Assert.Contains("above the clearance of ops", result.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS later.
        }
    }
}
