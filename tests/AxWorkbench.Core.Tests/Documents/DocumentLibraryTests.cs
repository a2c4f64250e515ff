using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;

namespace AxWorkbench.Core.Tests.Documents;

public sealed class SqliteDocumentLibraryTests() : DocumentLibraryTests(DbProvider.Sqlite);

public sealed class PostgresDocumentLibraryTests() : DocumentLibraryTests(DbProvider.Postgres);

/// <summary>The document store over a real SQLite file and the real worker.</summary>
public abstract class DocumentLibraryTests(DbProvider provider)
{
    private static readonly UserAuthorization SecretAnalyst = new(ClassificationLevel.Secret, new HashSet<string>(StringComparer.Ordinal) { "NOFORN" }, "USA");
    private static readonly UserAuthorization ConfidentialAnalyst = new(ClassificationLevel.Confidential, new HashSet<string>(StringComparer.Ordinal), "USA");

    [Fact]
    public async Task Upload_IsStoredByHash_ParsedAndReady()
    {
        await using var host = await DocumentsTestHost.StartAsync(provider: provider);
        var pdf = HostileFiles.TextPdf("(U) Logistics overview for the exercise.");

        var first = await host.Library.ImportAsync(new MemoryStream(pdf), "brief.pdf", Marking.Unclassified, SecretAnalyst, "kim");
        var second = await host.Library.ImportAsync(new MemoryStream(pdf), "copy.pdf", Marking.Unclassified, SecretAnalyst, "kim");

        Assert.True(first.Succeeded, first.Document.FailureReason);
        Assert.Equal(DocumentStatus.Ready, first.Document.Status);
        Assert.Equal("Pdf", first.Document.Kind);
        Assert.Equal(1, first.Document.PageCount);
        Assert.Equal(first.Document.Sha256, second.Document.Sha256);
        Assert.True(File.Exists(host.Library.OriginalPath(first.Document.Sha256)));
        Assert.Equal(pdf, await File.ReadAllBytesAsync(host.Library.OriginalPath(first.Document.Sha256)));
        var stored = await host.Library.GetAsync(first.Document.Id, SecretAnalyst);
        Assert.Contains("Logistics overview", Assert.Single(stored!.Pages).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeclaredMarkingAboveClearance_IsRefusedBeforeStoring()
    {
        await using var host = await DocumentsTestHost.StartAsync(provider: provider);
        var ex = await Assert.ThrowsAsync<DocumentRefusedException>(() => host.Library.ImportAsync(
            new MemoryStream(HostileFiles.TextPdf("x")), "x.pdf", new Marking(ClassificationLevel.Secret), ConfidentialAnalyst, "lee"));
        Assert.Contains("SECRET", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await host.Library.ListAsync(SecretAnalyst));
    }

    [Fact]
    public async Task TextMarkedAboveDeclared_IsRefusedNamingPageAndMark()
    {
        await using var host = await DocumentsTestHost.StartAsync(provider: provider);
        var pdf = HostileFiles.TextPdf("SECRET//NOFORN", "(S//NF) Troop positions.");

        var result = await host.Library.ImportAsync(new MemoryStream(pdf), "mismarked.pdf", new Marking(ClassificationLevel.Confidential), SecretAnalyst, "kim");

        Assert.False(result.Succeeded);
        Assert.Equal(DocumentStatus.Failed, result.Document.Status);
        Assert.Contains("Page 1", result.Document.FailureReason, StringComparison.Ordinal);
        Assert.Contains("SECRET//NOFORN", result.Document.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecutableRenamedPdf_FailsWithTheReason_AndUsersBelowTheMarkingDoNotSeeDocuments()
    {
        await using var host = await DocumentsTestHost.StartAsync(provider: provider);
        var exe = await host.Library.ImportAsync(new MemoryStream(HostileFiles.Executable()), "report.pdf", Marking.Unclassified, SecretAnalyst, "kim");
        var secret = await host.Library.ImportAsync(new MemoryStream(HostileFiles.TextPdf("SECRET", "(S) Plans.")), "plans.pdf", new Marking(ClassificationLevel.Secret), SecretAnalyst, "kim");

        Assert.Equal(DocumentStatus.Failed, exe.Document.Status);
        Assert.Contains("Windows program", exe.Document.FailureReason, StringComparison.Ordinal);
        Assert.True(secret.Succeeded, secret.Document.FailureReason);
        var visible = await host.Library.ListAsync(ConfidentialAnalyst);
        Assert.DoesNotContain(visible, d => d.Id == secret.Document.Id);
        Assert.Null(await host.Library.GetAsync(secret.Document.Id, ConfidentialAnalyst));
    }

    [Fact]
    public async Task UploadOverTheSizeLimit_IsRefused()
    {
        await using var host = await DocumentsTestHost.StartAsync(new() { ["Documents:MaxUploadMegabytes"] = "1" }, provider: provider);
        var big = new byte[2 * 1024 * 1024];
        var ex = await Assert.ThrowsAsync<DocumentRefusedException>(() => host.Library.ImportAsync(new MemoryStream(big), "big.txt", Marking.Unclassified, SecretAnalyst, "kim"));
        Assert.Contains("Documents:MaxUploadMegabytes", ex.Message, StringComparison.Ordinal);
    }
}
