using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Audit;

/// <summary>Filters for the audit viewer; null or empty means "any".</summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, string? Outcome = null, DateTime? FromUtc = null, DateTime? ToUtc = null, string? Text = null);

public sealed record AuditPage(IReadOnlyList<AuditRecord> Records, int Total);

/// <summary>Reads the audit table for the viewer, newest first, one context per query.</summary>
public sealed class AuditReader(IDbContextFactory<WorkbenchDbContext> contexts)
{
    public async Task<AuditPage> SearchAsync(AuditFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<AuditRecord> query = db.AuditRecords.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            query = query.Where(r => r.Actor == filter.Actor.Trim());
        }
        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            query = query.Where(r => r.Action == filter.Action);
        }
        if (!string.IsNullOrWhiteSpace(filter.Outcome))
        {
            query = query.Where(r => r.Outcome == filter.Outcome);
        }
        if (filter.FromUtc is { } from)
        {
            var text = AuditCanonicalForm.FormatTimestamp(from);
            query = query.Where(r => string.Compare(r.TimestampUtc, text) >= 0);
        }
        if (filter.ToUtc is { } to)
        {
            var text = AuditCanonicalForm.FormatTimestamp(to);
            query = query.Where(r => string.Compare(r.TimestampUtc, text) < 0);
        }
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim();
            query = query.Where(r => (r.Target != null && r.Target.Contains(text)) || (r.Details != null && r.Details.Contains(text)) || r.Actor.Contains(text));
        }
        var total = await query.CountAsync(cancellationToken);
        var records = await query.OrderByDescending(r => r.Sequence).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return new AuditPage(records, total);
    }
}
