using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Data.Common;
using AxWorkbench.Core.Data;
using Microsoft.Data.Sqlite;
using Npgsql;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Audit;

/// <summary>The verifier's finding. <see cref="FirstBadSequence"/> names the first record that cannot be trusted.</summary>
public sealed record AuditVerdict(bool IsValid, long? FirstBadSequence, string Message, long RecordsChecked, int CheckpointsChecked, TimeSpan Elapsed);

/// <summary>The audit database or checkpoint file could not be read at all.</summary>
public sealed class AuditVerificationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Walks the chain from sequence 1: every sequence present and in order, every stored hash equal to the
/// recomputed one, every checkpoint (sequence, hash) in the external file matching the record, and no
/// checkpoint beyond the last record (a truncated tail). Reports the first bad sequence number. A chain
/// rewritten with recomputed hashes is found at the first checkpoint it contradicts; the first bad
/// sequence is then the one after the last checkpoint that still matches.
/// </summary>
public sealed class AuditVerifier(IOptions<AuditOptions> options, IOptions<DataOptions> data, IHostEnvironment environment)
{
    public string ConfiguredConnectionString => data.Value.ResolveConnectionString(environment.ContentRootPath);

    /// <summary>Data:Provider ("Sqlite" or "Postgres").</summary>
    public string ConfiguredProvider => data.Value.Provider;

    public string ConfiguredCheckpointPath => options.Value.ResolveCheckpointPath(data.Value, environment.ContentRootPath);

    /// <summary>Verifies the configured database against the configured checkpoint file.</summary>
    public Task<AuditVerdict> VerifyAsync(CancellationToken cancellationToken = default) =>
        VerifyAsync(ConfiguredProvider, ConfiguredConnectionString, ConfiguredCheckpointPath, cancellationToken);

    /// <summary>A read-only connection string for a database file (the operator command's --db).</summary>
    public static string ReadOnlyConnectionString(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();

    /// <summary>Verifies a SQLite database (e.g. a file given to the operator command).</summary>
    public static Task<AuditVerdict> VerifyAsync(string connectionString, string checkpointPath, CancellationToken cancellationToken = default) =>
        VerifyAsync(DataOptions.Sqlite, connectionString, checkpointPath, cancellationToken);

    /// <summary>Verifies the chain in a database of <paramref name="provider"/> ("Sqlite" or "Postgres"): the same walk on both.</summary>
    public static async Task<AuditVerdict> VerifyAsync(string provider, string connectionString, string checkpointPath, CancellationToken cancellationToken = default)
    {
        var postgres = string.Equals(provider, DataOptions.Postgres, StringComparison.Ordinal);
        var watch = Stopwatch.StartNew();
        var checkpoints = ReadCheckpoints(checkpointPath);
        var matchedCheckpoints = new SortedSet<long>();
        long expected = 1;
        var previous = AuditCanonicalForm.GenesisHash;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        AuditVerdict Bad(long sequence, string message) =>
            new(false, sequence, message, expected - 1, matchedCheckpoints.Count, watch.Elapsed);

        try
        {
            await using DbConnection connection = postgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            if (!await TableExistsAsync(connection, postgres, cancellationToken))
            {
                throw new AuditVerificationException($"'{connection.DataSource}' has no audit table ({AuditData.TableName}); is it the workbench database?");
            }
            await using var command = connection.CreateCommand();
            command.CommandText = AuditData.SelectAllSql;
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                var sequence = row.GetInt64(0);
                if (sequence != expected)
                {
                    return Bad(expected, sequence > expected
                        ? $"Record {expected} is missing (the next record is {sequence}): records were deleted."
                        : $"Record {sequence} appears after {expected - 1}: the sequence is out of order.");
                }
                var canonical = AuditCanonicalForm.Canonical(sequence, row.GetString(1), row.GetString(2), row.GetString(3), NullableString(row, 4),
                    row.GetString(5), NullableString(row, 6), row.GetString(7), NullableString(row, 8));
                sha.AppendData(previous);
                sha.AppendData(canonical);
                var hash = sha.GetHashAndReset();
                var stored = row.GetString(9);
                if (!string.Equals(AuditCanonicalForm.ToHex(hash), stored, StringComparison.Ordinal))
                {
                    return Bad(sequence, $"Record {sequence} does not match its hash: it was changed, replaced or inserted.");
                }
                if (checkpoints.TryGetValue(sequence, out var checkpointHash))
                {
                    if (!string.Equals(checkpointHash, stored, StringComparison.Ordinal))
                    {
                        var lastGood = matchedCheckpoints.Count > 0 ? matchedCheckpoints.Max : 0;
                        return Bad(lastGood + 1,
                            $"The chain was rewritten: record {sequence} differs from the checkpoint in '{checkpointPath}'. " +
                            $"Records {lastGood + 1}..{sequence} cannot be trusted (last matching checkpoint: {lastGood}).");
                    }
                    matchedCheckpoints.Add(sequence);
                }
                previous = hash;
                expected++;
            }
        }
        catch (DbException ex)
        {
            throw new AuditVerificationException($"The audit database could not be read: {ex.Message}", ex);
        }

        var last = expected - 1;
        if (checkpoints.Count > 0 && checkpoints.Keys.Max() > last)
        {
            return Bad(last + 1,
                $"The tail was truncated: the checkpoint file '{checkpointPath}' records sequence {checkpoints.Keys.Max()} but the database ends at {last}.");
        }
        if (last > 0 && checkpoints.Count == 0)
        {
            return new AuditVerdict(false, null,
                $"No checkpoints in '{checkpointPath}' for {last} records: a truncated tail could not be detected. Is Audit:CheckpointPath (or --checkpoints) right?",
                last, 0, watch.Elapsed);
        }
        return new AuditVerdict(true, null,
            $"The chain of {last} records is intact and matches {matchedCheckpoints.Count} checkpoint(s).", last, matchedCheckpoints.Count, watch.Elapsed);
    }

    private static string? NullableString(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);

    private static async Task<bool> TableExistsAsync(DbConnection connection, bool postgres, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = postgres
            ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name";
        var name = command.CreateParameter();
        name.ParameterName = "@name";
        name.Value = AuditData.TableName;
        command.Parameters.Add(name);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Lines "SEQUENCE HASH UTC"; the last line for a sequence wins (they can only agree in an untampered file).</summary>
    private static Dictionary<long, string> ReadCheckpoints(string path)
    {
        var result = new Dictionary<long, string>();
        if (!File.Exists(path))
        {
            return result;
        }
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || parts[1].Length != 64)
            {
                throw new AuditVerificationException($"Line {number} of the checkpoint file '{path}' is not \"SEQUENCE HASH TIME\": the file is damaged.");
            }
            if (result.TryGetValue(sequence, out var earlier) && earlier != parts[1])
            {
                throw new AuditVerificationException($"The checkpoint file '{path}' holds two different hashes for sequence {sequence} (line {number}): the file was edited.");
            }
            result[sequence] = parts[1];
        }
        return result;
    }
}
