using System.Collections.Concurrent;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Documents.Jobs;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Offline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Lightweighting;

/// <summary>A lab job as a page shows it (read from its row, with the live progress of the node working on it).</summary>
public sealed record LabJob(Guid Id, LabJobKind Kind, string Description, LabJobStatus Status, double Progress, string? Message, string? Node, string RequestedBy, DateTime StartedUtc)
{
    /// <summary>Queued or running: it can still be cancelled.</summary>
    public bool IsActive => Status is LabJobStatus.Queued or LabJobStatus.Running;
}

/// <summary>A lab job moved (progress, status); published to the other nodes by the cluster relay.</summary>
public sealed record LabJobUpdate(Guid Id, LabJobStatus Status, double Progress, string? Message, string? Node);

/// <summary>One row of a model's comparison table: the source itself, or a variant with its latest evaluation.</summary>
public sealed record VariantRow(
    string Path,
    string FileName,
    string Type,
    long FileBytes,
    bool IsSource,
    bool IsServed,
    EvaluationRecord? Evaluation)
{
    public double? PerplexityRatio => IsSource ? 1 : Evaluation is { BasePerplexity: > 0 } e ? e.VariantPerplexity / e.BasePerplexity : null;
}

/// <summary>
/// The lab: quantize and evaluate as background jobs (progress, cancel), keep the records, build the comparison of a
/// model's variants, and promote one to serve analysts without a restart (through <see cref="InferenceEngine.ReloadAsync"/>).
/// A job is a row (<see cref="LabJobRecord"/>) plus a job in the shared jobs table (<see cref="JobQueue"/>), so it is
/// claimed by exactly one node, seen and cancelled from every node, and taken over by another node when its node dies.
/// </summary>
public sealed partial class LightweightingLab(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    InferenceEngine engine,
    IOptions<InferenceOptions> inference,
    IOptions<LightweightingOptions> options,
    ILabAuditTrail audit,
    JobQueue queue,
    IOptions<JobOptions> jobOptions,
    ILogger<LightweightingLab> logger) : BackgroundService
{
    private readonly SemaphoreSlim _work = new(0);
    private readonly ConcurrentDictionary<Guid, LabJobUpdate> _live = new();
    private readonly ConcurrentDictionary<Guid, RunningLabJob> _running = new();

    /// <summary>Raised (on a background thread) whenever a job on any node progresses, is queued or ends.</summary>
    public event Action<LabJobUpdate>? Changed;

    /// <summary>Raised (on a background thread) when a job of this node moves: what the cluster relay publishes.</summary>
    public event Action<LabJobUpdate>? Progressed;

    public LightweightingOptions Options => options.Value;

    /// <summary>The newest jobs of every node, newest first, with the live progress of those running.</summary>
    public async Task<IReadOnlyList<LabJob>> ListJobsAsync(CancellationToken cancellationToken, int count = 20)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Set<LabJobRecord>().AsNoTracking().OrderByDescending(j => j.CreatedUtc).Take(count)
            .Select(j => new LabJob(j.Id, j.Kind, j.Description, j.Status, j.Progress, j.Message, j.Node, j.RequestedBy, j.CreatedUtc))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(j => j.IsActive && _live.TryGetValue(j.Id, out var live) && live.Status == LabJobStatus.Running
            ? j with { Status = LabJobStatus.Running, Progress = Math.Max(j.Progress, live.Progress), Node = live.Node ?? j.Node }
            : j)];
    }

    /// <summary>Raises <see cref="Changed"/> for a job another node runs (relayed by the cluster).</summary>
    public void RaiseRemote(LabJobUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Status is LabJobStatus.Queued or LabJobStatus.Running)
        {
            _live[update.Id] = update;
        }
        else
        {
            _live.TryRemove(update.Id, out _);
        }

        if (update.Status == LabJobStatus.Queued)
        {
            _work.Release(); // queued on another node: this one may claim it too
        }

        Changed?.Invoke(update);
    }

    /// <summary>GGUF files the lab can work on: the served model's folder, the fixture folder and configured folders.</summary>
    public IReadOnlyList<string> ListModelFiles()
    {
        var folders = new List<string>();
        if (engine.Info?.Path is { } served)
        {
            folders.Add(Path.GetDirectoryName(served)!);
        }

        folders.Add(Path.GetFullPath(inference.Value.FixtureDirectory));
        folders.AddRange(options.Value.ModelDirectories.Select(Path.GetFullPath));
        return [.. folders.Distinct(StringComparer.Ordinal)
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.gguf"))
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Queues quantizing <paramref name="sourcePath"/> for whichever node claims it; refuses at once (before any job) when the plan is impossible.</summary>
    /// <exception cref="QuantizationRefusedException">With the reason.</exception>
    public Task<LabJob> StartQuantizeAsync(string sourcePath, string targetType, string userName, string? outputPath = null, CancellationToken cancellationToken = default)
    {
        var target = QuantizationTarget.Parse(targetType);
        QuantizationPlanner.Check(sourcePath, target);
        return QueueAsync(new LabJobRecord
        {
            Id = Guid.CreateVersion7(),
            Kind = LabJobKind.Quantize,
            Description = $"{Path.GetFileName(sourcePath)} → {target.Name}",
            RequestedBy = userName,
            SourcePath = Path.GetFullPath(sourcePath),
            TargetPath = outputPath is null ? null : Path.GetFullPath(outputPath),
            TargetType = target.Name,
            CreatedUtc = DateTime.UtcNow,
        }, cancellationToken);
    }

    /// <summary>Queues evaluating <paramref name="variantPath"/> against <paramref name="basePath"/> on <paramref name="text"/>.</summary>
    public Task<LabJob> StartEvaluateAsync(string basePath, string variantPath, string text, string textName, string userName, int? windows = null, int? windowTokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return QueueAsync(new LabJobRecord
        {
            Id = Guid.CreateVersion7(),
            Kind = LabJobKind.Evaluate,
            Description = $"{Path.GetFileName(variantPath)} vs {Path.GetFileName(basePath)} on {textName}",
            RequestedBy = userName,
            SourcePath = Path.GetFullPath(basePath),
            TargetPath = Path.GetFullPath(variantPath),
            Text = text,
            TextName = textName,
            Windows = windows ?? options.Value.Windows,
            WindowTokens = windowTokens ?? options.Value.WindowTokens,
            CreatedUtc = DateTime.UtcNow,
        }, cancellationToken);
    }

    /// <summary>
    /// Cancels a job from any node: one still queued ends at once; a running one is stopped by its node at its next
    /// heartbeat (at once when it runs here). False when the job has ended already.
    /// </summary>
    public async Task<bool> CancelAsync(Guid jobId, string userName, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var now = DateTime.UtcNow;
            // Only a job no node has claimed: the same row a claim updates, so exactly one of the two wins.
            var unclaimed = await db.Set<BackgroundJobRecord>()
                .Where(j => j.Kind == LabJobRecord.JobKind && j.SubjectId == jobId && j.FinishedAt == null && j.Status == BackgroundJobStatus.Queued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, BackgroundJobStatus.Finished)
                    .SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.CancelRequested, true)
                    .SetProperty(j => j.CancelledBy, userName), cancellationToken).ConfigureAwait(false);
            if (unclaimed == 1)
            {
                var message = CancelledMessage(userName);
                await db.Set<LabJobRecord>().Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, LabJobStatus.Cancelled)
                    .SetProperty(j => j.Message, message)
                    .SetProperty(j => j.FinishedUtc, now), cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                Raise(new LabJobUpdate(jobId, LabJobStatus.Cancelled, 0, message, null));
                return true;
            }
        }

        if (!await queue.RequestCancelAsync(LabJobRecord.JobKind, jobId, userName, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (_running.TryGetValue(jobId, out var running))
        {
            running.CancelBy(userName);
        }

        return true;
    }

    public static EvaluationRecord ToRecord(EvaluationReport report, string textName, string userName)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new EvaluationRecord
        {
            BasePath = report.Base.Path,
            VariantPath = report.Variant.Path,
            VariantFileType = report.Variant.FileType,
            TextName = textName,
            TextSha256 = report.TextSha256,
            Windows = report.Windows,
            WindowTokens = report.WindowTokens,
            TextTokens = report.TextTokens,
            ScoredTokens = report.ScoredTokens,
            BasePerplexity = report.Base.Perplexity,
            VariantPerplexity = report.Variant.Perplexity,
            MeanKl = report.MeanKl,
            P99Kl = report.P99Kl,
            MaxKl = report.MaxKl,
            Top1Agreement = report.Top1Agreement,
            BaseTokensPerSecond = report.Base.DecodeTokensPerSecond,
            VariantTokensPerSecond = report.Variant.DecodeTokensPerSecond,
            BaseMemoryBytes = report.Base.MemoryBytes,
            VariantMemoryBytes = report.Variant.MemoryBytes,
            BaseFileBytes = report.Base.FileBytes,
            VariantFileBytes = report.Variant.FileBytes,
            RequestedBy = userName,
            CreatedUtc = DateTime.UtcNow,
        };
    }

    /// <summary>The source and each of its variants (quantized from it or evaluated against it), with the latest evaluation of each.</summary>
    public async Task<IReadOnlyList<VariantRow>> CompareAsync(string sourcePath, CancellationToken cancellationToken)
    {
        var source = Path.GetFullPath(sourcePath);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var quantized = await db.Quantizations.AsNoTracking().Where(q => q.SourcePath == source).ToListAsync(cancellationToken).ConfigureAwait(false);
        var evaluations = await db.Evaluations.AsNoTracking().Where(e => e.BasePath == source).ToListAsync(cancellationToken).ConfigureAwait(false);
        var served = engine.Info?.Path;
        var rows = new List<VariantRow>();
        if (File.Exists(source))
        {
            // The source's own figures (memory, speed, perplexity) come from its latest evaluation as a base.
            var self = evaluations.Where(e => e.VariantPath == source).MaxBy(e => e.Id) ?? evaluations.MaxBy(e => e.Id);
            rows.Add(new VariantRow(source, Path.GetFileName(source), "source", new FileInfo(source).Length, true, source == served, self));
        }

        var variants = quantized.Select(q => (q.OutputPath, q.TargetType)).Concat(evaluations.Select(e => (Path: e.VariantPath, Type: e.VariantFileType)))
            .Where(v => v.Item1 != source && File.Exists(v.Item1))
            .DistinctBy(v => v.Item1);
        foreach (var (path, type) in variants)
        {
            var latest = evaluations.Where(e => e.VariantPath == path).MaxBy(e => e.Id);
            rows.Add(new VariantRow(path, Path.GetFileName(path), quantized.LastOrDefault(q => q.OutputPath == path)?.TargetType ?? type, new FileInfo(path).Length, false, path == served, latest));
        }

        return rows;
    }

    /// <summary>
    /// Switches the model analysts are served to <paramref name="path"/>: running generations drain (up to
    /// <see cref="LightweightingOptions.DrainTimeoutSeconds"/>), the weights are swapped, serving resumes. Recorded and audited.
    /// </summary>
    /// <exception cref="ModelSwapException">The file cannot be served; the previous model still is.</exception>
    public async Task PromoteAsync(string path, string userName, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(path);
        var from = engine.Info?.Path;
        string outcome = "promoted";
        string? message = null;
        try
        {
            await engine.ReloadAsync(target, TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds), cancellationToken).ConfigureAwait(false);
            LogPromoted(logger, userName, from ?? "-", target);
        }
        catch (Exception ex) when (ex is ModelSwapException or ModelUnavailableException)
        {
            outcome = "failed";
            message = ex.Message;
            throw;
        }
        finally
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
            db.Promotions.Add(new PromotionRecord { FromPath = from, ToPath = target, PromotedBy = userName, Outcome = outcome, Message = message, CreatedUtc = DateTime.UtcNow });
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            await audit.RecordAsync("promote", userName, $"{from ?? "-"} -> {target}: {outcome}{(message is null ? "" : " — " + message)}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<PromotionRecord>> PromotionsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Promotions.AsNoTracking().OrderByDescending(p => p.Id).Take(20).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserName} promoted the served model from {From} to {To}")]
    private static partial void LogPromoted(ILogger logger, string userName, string from, string to);
}
