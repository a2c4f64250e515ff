using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Documents.Jobs;

/// <summary>A job this node claimed: its row's id, subject and who asked for it.</summary>
public sealed record ClaimedJob(Guid Id, string Kind, Guid SubjectId, string RequestedById, string RequestedByName, bool CancelRequested, string? CancelledBy, int Attempts);

/// <summary>What a heartbeat found: the lease still held (and whether a cancel was asked), or lost to another node.</summary>
public sealed record JobHeartbeat(bool Held, bool CancelRequested, string? CancelledBy);

/// <summary>
/// The jobs table as a queue shared by every node on the database. A claim is atomic: on PostgreSQL one
/// <c>UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)</c>, on SQLite (one writer at a time) a conditional
/// update that only one caller can win. A claimed job is held by a lease the owner extends by heartbeats; a job whose
/// lease expired is claimable again (its node died), and is resumed by whichever node claims it.
/// </summary>
public sealed class JobQueue(IDbContextFactory<WorkbenchDbContext> contextFactory, NodeIdentity node, IOptions<DataOptions> data, IOptions<JobOptions> options)
{
    public string NodeId => node.Id;

    /// <summary>How often a holder extends its lease (Jobs:HeartbeatSeconds).</summary>
    public TimeSpan HeartbeatInterval => options.Value.Heartbeat;

    /// <summary>How often an idle runner looks for work other nodes queued or abandoned (Jobs:PollSeconds).</summary>
    public TimeSpan PollInterval => options.Value.Poll;

    /// <summary>Queues a job; false when an unfinished job of this kind for this subject exists already.</summary>
    public async Task<bool> EnqueueAsync(string kind, Guid subjectId, string requestedById, string requestedByName, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Set<BackgroundJobRecord>().AnyAsync(j => j.Kind == kind && j.SubjectId == subjectId && j.FinishedAt == null, cancellationToken))
        {
            return false;
        }
        db.Set<BackgroundJobRecord>().Add(NewJob(kind, subjectId, requestedById, requestedByName));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another node queued it at the same moment (the unique index on unfinished jobs), or the write failed.
            await using var check = await contextFactory.CreateDbContextAsync(cancellationToken);
            if (await check.Set<BackgroundJobRecord>().AnyAsync(j => j.Kind == kind && j.SubjectId == subjectId && j.FinishedAt == null, cancellationToken))
            {
                return false;
            }
            throw;
        }
    }

    /// <summary>A new queued job row, to be saved in the caller's transaction with the row it works on.</summary>
    public static BackgroundJobRecord NewJob(string kind, Guid subjectId, string requestedById, string requestedByName) => new()
    {
        Id = Guid.CreateVersion7(),
        Kind = kind,
        SubjectId = subjectId,
        Status = BackgroundJobStatus.Queued,
        RequestedById = requestedById,
        RequestedByName = requestedByName,
        CreatedAt = DateTime.UtcNow,
    };

    /// <summary>Claims the oldest queued (or abandoned: lease expired) job of a kind for this node; null when there is none.</summary>
    public async Task<ClaimedJob?> ClaimAsync(string kind, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var until = now + options.Value.Lease;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var jobs = db.Set<BackgroundJobRecord>();
        Guid? claimed = null;
        if (data.Value.IsPostgres)
        {
            var ids = await db.Database.SqlQuery<Guid>($"""
                UPDATE "BackgroundJobs" SET "Status" = 'Running', "OwnerNode" = {node.Id}, "LeaseExpiresAt" = {until}, "HeartbeatAt" = {now}, "Attempts" = "Attempts" + 1
                WHERE "Id" = (SELECT "Id" FROM "BackgroundJobs"
                              WHERE "Kind" = {kind} AND "FinishedAt" IS NULL AND ("Status" = 'Queued' OR "LeaseExpiresAt" < {now})
                              ORDER BY "CreatedAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING "Id" AS "Value"
                """).ToListAsync(cancellationToken);
            claimed = ids.Count == 0 ? null : ids[0];
        }
        else
        {
            var candidates = await jobs.AsNoTracking()
                .Where(j => j.Kind == kind && j.FinishedAt == null && (j.Status == BackgroundJobStatus.Queued || j.LeaseExpiresAt < now))
                .OrderBy(j => j.CreatedAt).Select(j => j.Id).Take(8).ToListAsync(cancellationToken);
            foreach (var id in candidates)
            {
                // One statement under SQLite's single write lock: only one caller sees the job still claimable.
                var won = await jobs.Where(j => j.Id == id && j.FinishedAt == null && (j.Status == BackgroundJobStatus.Queued || j.LeaseExpiresAt < now))
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(j => j.Status, BackgroundJobStatus.Running)
                        .SetProperty(j => j.OwnerNode, node.Id)
                        .SetProperty(j => j.LeaseExpiresAt, until)
                        .SetProperty(j => j.HeartbeatAt, now)
                        .SetProperty(j => j.Attempts, j => j.Attempts + 1), cancellationToken);
                if (won == 1)
                {
                    claimed = id;
                    break;
                }
            }
        }
        if (claimed is not { } claimedId)
        {
            return null;
        }
        var row = await jobs.AsNoTracking().SingleAsync(j => j.Id == claimedId, cancellationToken);
        return new ClaimedJob(row.Id, row.Kind, row.SubjectId, row.RequestedById, row.RequestedByName, row.CancelRequested, row.CancelledBy, row.Attempts);
    }

    /// <summary>Extends this node's lease on a job and reads whether a cancel was asked; not held when another node took it over.</summary>
    public async Task<JobHeartbeat> HeartbeatAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var until = now + options.Value.Lease;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var jobs = db.Set<BackgroundJobRecord>();
        var held = await jobs.Where(j => j.Id == jobId && j.OwnerNode == node.Id && j.FinishedAt == null && j.Status == BackgroundJobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, until).SetProperty(j => j.HeartbeatAt, now), cancellationToken);
        if (held == 0)
        {
            return new JobHeartbeat(false, false, null);
        }
        var cancel = await jobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => new { j.CancelRequested, j.CancelledBy }).SingleAsync(cancellationToken);
        return new JobHeartbeat(true, cancel.CancelRequested, cancel.CancelledBy);
    }

    /// <summary>Closes a job this node holds (its subject's row says how it ended).</summary>
    public async Task FinishAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Set<BackgroundJobRecord>().Where(j => j.Id == jobId && j.OwnerNode == node.Id && j.FinishedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, BackgroundJobStatus.Finished)
                .SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), cancellationToken);
    }

    /// <summary>Gives a job this node holds back to the queue (graceful stop): another node, or the next start, takes it at once.</summary>
    public async Task ReleaseAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Set<BackgroundJobRecord>().Where(j => j.Id == jobId && j.OwnerNode == node.Id && j.FinishedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, BackgroundJobStatus.Queued)
                .SetProperty(j => j.OwnerNode, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), cancellationToken);
    }

    /// <summary>Asks the unfinished job of a kind for a subject to stop, whichever node runs it; false when there is none.</summary>
    public async Task<bool> RequestCancelAsync(string kind, Guid subjectId, string by, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<BackgroundJobRecord>().Where(j => j.Kind == kind && j.SubjectId == subjectId && j.FinishedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true).SetProperty(j => j.CancelledBy, by), cancellationToken) > 0;
    }

    /// <summary>The subjects of a kind that have an unfinished job (queued or running on any node).</summary>
    public async Task<HashSet<Guid>> OpenSubjectsAsync(string kind, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return (await db.Set<BackgroundJobRecord>().AsNoTracking().Where(j => j.Kind == kind && j.FinishedAt == null)
            .Select(j => j.SubjectId).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>
    /// Start-up: jobs of these kinds a previous run of this node (same <c>Data:NodeId</c>) left running are queued again
    /// at once; other nodes' jobs, and this node's under an unset (per-process) node id, are taken over when their lease
    /// expires. Each runner releases only its own kinds, so it never takes a job another runner of this node just claimed.
    /// </summary>
    public async Task<int> ReleaseLeftRunningAsync(IReadOnlyCollection<string> kinds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<BackgroundJobRecord>().Where(j => j.FinishedAt == null && j.Status == BackgroundJobStatus.Running && j.OwnerNode == node.Id && kinds.Contains(j.Kind))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, BackgroundJobStatus.Queued)
                .SetProperty(j => j.OwnerNode, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), cancellationToken);
    }
}
