using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AxWorkbench.Core.Backup;

/// <summary>
/// manifest.json at the top of a backup folder: what was copied (every file with its size and SHA-256, relative to
/// the backup folder), the database's row counts per table, and what was deliberately left out and why.
/// </summary>
public sealed record BackupManifest
{
    public const string FileName = "manifest.json";
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required DateTimeOffset CreatedUtc { get; init; }
    public required string Provider { get; init; }
    public required string SourceDataDirectory { get; init; }
    public required string MachineName { get; init; }
    public required IReadOnlyList<string> DatabaseFiles { get; init; }
    public required IReadOnlyDictionary<string, long> RowCounts { get; init; }
    public required long AuditLastSequence { get; init; }
    public required IReadOnlyList<BackupFile> Files { get; init; }
    public required IReadOnlyList<BackupOmission> NotCopied { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task WriteAsync(string folder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, FileName);
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        await JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        stream.Flush(flushToDisk: true);
    }

    public static async Task<BackupManifest> ReadAsync(string folder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new BackupException($"'{folder}' is not a workbench backup: it has no {FileName}.");
        }
        try
        {
            await using var stream = File.OpenRead(path);
            var manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(stream, Json, cancellationToken)
                ?? throw new BackupException($"{path} is empty.");
            return manifest.Format == CurrentFormat
                ? manifest
                : throw new BackupException($"{path} has format {manifest.Format}; this version reads format {CurrentFormat}.");
        }
        catch (JsonException ex)
        {
            throw new BackupException($"{path} is not a readable manifest: {ex.Message}", ex);
        }
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}

/// <summary>One copied file. <see cref="Kind"/>: database, original, checkpoints, key, settings.</summary>
public sealed record BackupFile(string Path, string Kind, long Size, string Sha256);

/// <summary>Something in the data folder the backup leaves out on purpose (the retrieval index, models), with why.</summary>
public sealed record BackupOmission(string Path, string Reason);
