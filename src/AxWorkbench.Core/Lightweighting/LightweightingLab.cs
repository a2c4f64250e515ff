using System.Globalization;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Offline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Lightweighting;

public enum LabJobKind { Quantize, Evaluate }

public enum LabJobStatus { Running, Completed, Failed, Cancelled }

/// <summary>A background quantization or evaluation; it outlives the page that started it.</summary>
public sealed class LabJob
{
    private readonly CancellationTokenSource _cancel = new();

    internal LabJob(LabJobKind kind, string description)
    {
        Kind = kind;
        Description = description;
    }

    public Guid Id { get; } = Guid.NewGuid();
    public LabJobKind Kind { get; }
    public string Description { get; }
    public double Progress { get; internal set; }
    public LabJobStatus Status { get; internal set; } = LabJobStatus.Running;
    /// <summary>The result (output path, figures) or the reason it failed.</summary>
    public string? Message { get; internal set; }
    public EvaluationReport? Report { get; internal set; }
    public QuantizationResult? Quantization { get; internal set; }
    public DateTime StartedUtc { get; } = DateTime.UtcNow;
    public bool CancelRequested => _cancel.IsCancellationRequested;
    internal CancellationToken Token => _cancel.Token;
    internal Task Completion { get; set; } = Task.CompletedTask;

    public void Cancel() => _cancel.Cancel();
}

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
/// </summary>
public sealed partial class LightweightingLab(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    InferenceEngine engine,
    IOptions<InferenceOptions> inference,
    IOptions<LightweightingOptions> options,
    ILabAuditTrail audit,
    ILogger<LightweightingLab> logger)
{
    private readonly Lock _lock = new();
    private readonly List<LabJob> _jobs = [];

    /// <summary>Raised (on a background thread) whenever a job progresses or ends.</summary>
    public event Action? Changed;

    public LightweightingOptions Options => options.Value;

    public IReadOnlyList<LabJob> Jobs
    {
        get
        {
            lock (_lock)
            {
                return [.. _jobs.OrderByDescending(j => j.StartedUtc)];
            }
        }
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

    /// <summary>Starts quantizing <paramref name="sourcePath"/>; refuses at once (before any job) when the plan is impossible.</summary>
    /// <exception cref="QuantizationRefusedException">With the reason.</exception>
    public LabJob StartQuantize(string sourcePath, string targetType, string userName, string? outputPath = null)
    {
        var target = QuantizationTarget.Parse(targetType);
        QuantizationPlanner.Check(sourcePath, target);
        var job = new LabJob(LabJobKind.Quantize, $"{Path.GetFileName(sourcePath)} → {target.Name}");
        Track(job, async () =>
        {
            var progress = new Progress<double>(p => Report(job, p));
            var result = await ModelQuantizer.QuantizeAsync(sourcePath, outputPath, target, progress, inference.Value.Threads, inference.Value.NativeLibraryPath, job.Token).ConfigureAwait(false);
            await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false))
            {
                db.Quantizations.Add(new QuantizationRecord
                {
                    SourcePath = result.SourcePath,
                    SourceSha256 = result.SourceSha256,
                    SourceBytes = result.SourceBytes,
                    TargetType = result.TargetType,
                    OutputPath = result.OutputPath,
                    OutputBytes = result.OutputBytes,
                    DurationMs = result.Duration.TotalMilliseconds,
                    RequestedBy = userName,
                    CreatedUtc = DateTime.UtcNow,
                });
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await audit.RecordAsync("quantize", userName, $"{result.SourcePath} ({result.SourceSha256}) -> {result.OutputPath} {result.TargetType}", CancellationToken.None).ConfigureAwait(false);
            job.Quantization = result;
            job.Message = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(result.OutputPath)}: {result.SourceBytes:N0} → {result.OutputBytes:N0} bytes ({result.SizeRatio:P0}) in {result.Duration.TotalMilliseconds:N0} ms");
        });
        return job;
    }

    /// <summary>Starts evaluating <paramref name="variantPath"/> against <paramref name="basePath"/> on <paramref name="text"/>.</summary>
    public LabJob StartEvaluate(string basePath, string variantPath, string text, string textName, string userName, int? windows = null, int? windowTokens = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var settings = new EvaluationSettings
        {
            Windows = windows ?? options.Value.Windows,
            WindowTokens = windowTokens ?? options.Value.WindowTokens,
            Threads = inference.Value.Threads,
            NativeLibraryPath = inference.Value.NativeLibraryPath,
        };
        var job = new LabJob(LabJobKind.Evaluate, $"{Path.GetFileName(variantPath)} vs {Path.GetFileName(basePath)} on {textName}");
        Track(job, async () =>
        {
            var progress = new Progress<double>(p => Report(job, p));
            var report = await ModelEvaluator.EvaluateAsync(basePath, variantPath, text, settings, engine, progress, job.Token).ConfigureAwait(false);
            await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false))
            {
                db.Evaluations.Add(ToRecord(report, textName, userName));
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await audit.RecordAsync("evaluate", userName, $"{report.Variant.Path} vs {report.Base.Path} on {textName} ({report.TextSha256}): KL {report.MeanKl:G4}", CancellationToken.None).ConfigureAwait(false);
            job.Report = report;
            job.Message = string.Create(CultureInfo.InvariantCulture, $"PPL {report.Base.Perplexity:F3} → {report.Variant.Perplexity:F3}, KL {report.MeanKl:G4} (p99 {report.P99Kl:G4}), top-1 {report.Top1Agreement:P1}, {report.Windows}×{report.WindowTokens} tokens");
        });
        return job;
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

    private void Track(LabJob job, Func<Task> work)
    {
        lock (_lock)
        {
            _jobs.Add(job);
            if (_jobs.Count > 50)
            {
                _jobs.RemoveAll(j => j.Status != LabJobStatus.Running && j != job && _jobs.Count > 50);
            }
        }

        job.Completion = Task.Run(async () =>
        {
            try
            {
                await work().ConfigureAwait(false);
                job.Progress = 1;
                job.Status = LabJobStatus.Completed;
            }
            catch (OperationCanceledException) when (job.CancelRequested)
            {
                job.Status = LabJobStatus.Cancelled;
                job.Message = "Cancelled; nothing was kept.";
            }
            catch (Exception ex) when (ex is QuantizationRefusedException or EvaluationRefusedException or IOException or UnauthorizedAccessException
                or NativeLibraryUnavailableException or ModelUnavailableException or DbUpdateException or OfflineModelException)
            {
                job.Status = LabJobStatus.Failed;
                job.Message = ex.Message;
                LogJobFailed(logger, job.Description, ex.Message);
            }
            finally
            {
                Changed?.Invoke();
            }
        });
    }

    private void Report(LabJob job, double progress)
    {
        job.Progress = progress;
        Changed?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lab job {Description} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, string description, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserName} promoted the served model from {From} to {To}")]
    private static partial void LogPromoted(ILogger logger, string userName, string from, string to);
}
