using System.CommandLine;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using Microsoft.AspNetCore.Identity;

namespace AxWorkbench.Web.Cli;

/// <summary>`import &lt;folder&gt; --marking M --owner USER [--library NAME]`: bulk import with the same parsers and limits as uploads.</summary>
internal static class ImportCommands
{
    public static Command Build(CliContext context)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder whose files (recursively) are imported." };
        var marking = new Option<string>("--marking") { Description = "Declared marking of every file, as a banner line, e.g. \"SECRET//NOFORN\" or \"Ⅱ급비밀\".", Required = true };
        var owner = new Option<string>("--owner") { Description = "User the documents belong to; the marking may not exceed their clearance.", Required = true };
        var library = new Option<string?>("--library") { Description = "Library (by name) to add every imported document to; it is indexed there, within the library's ceiling." };
        var import = new Command("import", "Import every file under a folder: one line per file (imported, or rejected with the reason), then counts. Exits 0 when the run finished, whatever was rejected.")
        {
            folder, marking, owner, library,
        };
        import.SetAction((parse, ct) => RunAsync(context, parse.GetValue(folder)!, parse.GetValue(marking)!, parse.GetValue(owner)!, parse.GetValue(library), ct));
        return import;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo folder, string markingText, string ownerName, string? library, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            await context.Error.WriteLineAsync($"error: the folder '{folder.FullName}' does not exist.");
            return 1;
        }

        using var host = await context.StartDataHostAsync(cancellationToken, library is null ? null : builder =>
        {
            builder.AddRetrieval();
        });
        await using var scope = host.Services.CreateAsyncScope();
        var scheme = scope.ServiceProvider.GetRequiredService<IMarkingScheme>();
        if (!scheme.TryParse(markingText, out var declared))
        {
            await context.Error.WriteLineAsync($"error: '{markingText}' is not a {scheme.Kind} marking (e.g. \"{scheme.FormatBanner(new Marking(ClassificationLevel.Secret))}\").");
            return 1;
        }
        var owner = await scope.ServiceProvider.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync(ownerName);
        if (owner is null)
        {
            await context.Error.WriteLineAsync($"error: there is no user '{ownerName}' (see `users list`).");
            return 1;
        }
        var authorization = owner.ToAuthorization();
        if (!Access.Dominates(authorization, declared))
        {
            await context.Error.WriteLineAsync($"error: {scheme.FormatBanner(declared)} is above the clearance of {ownerName}; nothing was imported.");
            return 1;
        }

        var documents = scope.ServiceProvider.GetRequiredService<DocumentLibrary>();
        var actor = await scope.ServiceProvider.GetRequiredService<IAuditActorSource>().GetActorAsync(cancellationToken);
        LibraryIndexing? indexing = null;
        // The operator files the documents in the owner's name (the owner's id, clearance and unit; audited as the operator).
        var libraryActor = actor with { UserId = owner.Id, Authorization = authorization, Unit = owner.Unit };
        if (library is not null)
        {
            await host.Services.GetRequiredService<RetrievalIndexHost>().StartAsync(cancellationToken);
            indexing = scope.ServiceProvider.GetRequiredService<LibraryIndexing>();
            var targets = await indexing.ListTargetsAsync(libraryActor, cancellationToken);
            if (!targets.Any(l => string.Equals(l.Name, library.Trim(), StringComparison.Ordinal)))
            {
                await context.Error.WriteLineAsync($"error: {new LibraryNotFoundByNameException(library).Message}");
                return 1;
            }
        }

        var files = folder.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
            .OrderBy(f => f.FullName, StringComparer.Ordinal)
            .ToList();
        int imported = 0, rejected = 0, pages = 0;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(folder.FullName, file.FullName);
            string? failure;
            try
            {
                await using var stream = file.OpenRead();
                var result = await documents.ImportAsync(stream, file.Name, declared, authorization, ownerName, library, actor: actor, cancellationToken: cancellationToken);
                failure = result.Succeeded ? null : result.Document.FailureReason;
                if (failure is null)
                {
                    imported++;
                    pages += result.Document.PageCount;
                    var filed = "";
                    if (indexing is not null)
                    {
                        try
                        {
                            await indexing.AddToLibraryAsync(library!, result.Document.Id, libraryActor, cancellationToken);
                            filed = $", added to '{library}'";
                        }
                        catch (MarkingAboveCeilingException ex)
                        {
                            filed = $", NOT added to '{library}': {ex.Message}";
                        }
                    }

                    await context.Output.WriteLineAsync($"imported  {name} ({result.Document.Kind}, {result.Document.PageCount} pages{filed})");
                    continue;
                }
            }
            catch (DocumentRefusedException ex)
            {
                failure = ex.Message;
            }
            catch (IOException ex)
            {
                failure = $"could not be read: {ex.Message}";
            }
            catch (UnauthorizedAccessException ex)
            {
                failure = $"could not be read: {ex.Message}";
            }
            rejected++;
            var key = failure?.Split(' ').Take(4) is { } words ? string.Join(' ', words) : "unknown";
            reasons[key] = reasons.GetValueOrDefault(key) + 1;
            await context.Output.WriteLineAsync($"rejected  {name}: {failure}");
        }
        // The web app embeds in the background; this command has no background worker, so it computes the vectors now.
        var embedded = indexing is null ? 0 : await host.Services.GetRequiredService<RetrievalService>().EmbedPendingAsync(cancellationToken);
        clock.Stop();
        await context.Output.WriteLineAsync(
            $"{files.Count} files: {imported} imported ({pages} pages), {rejected} rejected, in {clock.Elapsed.TotalSeconds:N1} s"
            + (library is null ? "" : $"; library '{library}' ({embedded} documents embedded)"));
        return 0;
    }
}
