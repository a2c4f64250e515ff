using AxWorkbench.Core.Actors;
using System.Text.Json;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.DemoData;

/// <summary>
/// On a fresh demo install (no documents yet, Demo:Briefs on), imports the fictional briefs shipped in
/// DemoData/briefs through the same parser worker and limits as any upload, uploaded by the demo supervisor,
/// and puts them in a "Demo briefs" library for the demo units. Runs in the background after start.
/// </summary>
public sealed partial class DemoBriefsSeeder(
    IServiceScopeFactory scopes,
    IOptions<DemoOptions> demo,
    IMarkingScheme scheme,
    ILogger<DemoBriefsSeeder> logger) : BackgroundService
{
    public const string LibraryName = "Demo briefs";

    private static string BriefsDirectory => Path.Combine(AppContext.BaseDirectory, "DemoData", "briefs");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!demo.Value.Enabled || !demo.Value.Briefs || !Directory.Exists(BriefsDirectory))
        {
            return;
        }
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            var uploader = await services.GetRequiredService<UserManager<WorkbenchUser>>().FindByNameAsync("supervisor");
            var documents = services.GetRequiredService<DocumentLibrary>();
            if (uploader is null || (await documents.ListAsync(uploader.ToAuthorization(), stoppingToken)).Count > 0)
            {
                return;
            }
            var actor = WorkbenchActor.System with { Name = "system:demo" };
            var jobs = services.GetRequiredService<DocumentJobs>();
            // The job runner re-parses what a previous run left unparsed; start after that, so it is parsed once.
            await jobs.Recovered.WaitAsync(stoppingToken);
            var pending = new Dictionary<Guid, TaskCompletionSource<DocumentStatus>>();
            void OnParsed(ParseJobUpdate update)
            {
                lock (pending)
                {
                    if (update.Status != DocumentStatus.Parsing && pending.TryGetValue(update.DocumentId, out var done))
                    {
                        done.TrySetResult(update.Status);
                    }
                }
            }
            jobs.ParseChanged += OnParsed;
            try
            {
                foreach (var brief in ReadManifest())
                {
                    var marking = scheme.ParseBanner(scheme.Kind == MarkingSchemeKind.Rok ? brief.Rok : brief.Us);
                    await using var file = File.OpenRead(Path.Combine(BriefsDirectory, brief.File));
                    var stored = await documents.StoreAsync(file, brief.File, marking, uploader.ToAuthorization(), uploader.UserName!, actor, LibraryName, stoppingToken);
                    lock (pending)
                    {
                        pending[stored.Id] = new TaskCompletionSource<DocumentStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                    await jobs.EnqueueParseAsync(stored.Id, actor, stoppingToken);
                }
                Task<DocumentStatus>[] waits;
                lock (pending)
                {
                    waits = [.. pending.Values.Select(p => p.Task)];
                }
                await Task.WhenAll(waits).WaitAsync(TimeSpan.FromMinutes(5), stoppingToken);
            }
            finally
            {
                jobs.ParseChanged -= OnParsed;
            }
            var imported = new List<DocumentRecord>();
            foreach (var id in pending.Keys)
            {
                if (await documents.GetAsync(id, uploader.ToAuthorization(), stoppingToken) is { Status: DocumentStatus.Ready } ready)
                {
                    imported.Add(ready);
                }
                else
                {
                    LogBriefRefused(logger, id.ToString(), "not readable");
                }
            }
            await DemoLibrary.AddAsync(services, uploader, imported, stoppingToken);
            LogSeeded(logger, imported.Count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or AuditUnavailableException or MarkingFormatException or TimeoutException or DocumentRejectedException or UnauthorizedAccessException or KeyNotFoundException)
        {
            LogSeedFailed(logger, ex);
        }
    }

    private static IEnumerable<Brief> ReadManifest()
    {
        using var stream = File.OpenRead(Path.Combine(BriefsDirectory, "manifest.json"));
        var manifest = JsonSerializer.Deserialize<Manifest>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return manifest?.Briefs ?? [];
    }

    private sealed record Manifest(IReadOnlyList<Brief> Briefs);

    private sealed record Brief(string File, string Us, string Rok);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo briefs imported: {Count}")]
    private static partial void LogSeeded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo brief {File} was refused: {Reason}")]
    private static partial void LogBriefRefused(ILogger logger, string file, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo briefs could not be imported; the workbench runs without them")]
    private static partial void LogSeedFailed(ILogger logger, Exception exception);
}
