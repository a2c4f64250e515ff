using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Review;

/// <summary>The unit tree: list, create, move (set parent). Users refer to a unit by its name. Every change is audited first.</summary>
public sealed class UnitDirectory(IDbContextFactory<WorkbenchDbContext> contexts, IAuditLog audit)
{
    public const int MaxNameLength = 200;

    /// <summary>All units, depth-first from the roots, each with its depth (for an indented list).</summary>
    public async Task<IReadOnlyList<UnitInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = await db.Units.AsNoTracking().OrderBy(u => u.Name).ToListAsync(cancellationToken);
        var byParent = all.ToLookup(u => u.ParentId);
        var byId = all.ToDictionary(u => u.Id);
        var result = new List<UnitInfo>();
        void Walk(int? parent, int depth)
        {
            foreach (var unit in byParent[parent])
            {
                result.Add(new UnitInfo(unit.Id, unit.Name, unit.ParentId, unit.ParentId is { } p ? byId[p].Name : null, depth));
                Walk(unit.Id, depth + 1);
            }
        }

        Walk(null, 0);
        return result;
    }

    /// <summary>The unit named <paramref name="unitName"/> and every unit below it (empty when no such unit exists).</summary>
    public async Task<IReadOnlySet<string>> SubtreeNamesAsync(string unitName, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = await db.Units.AsNoTracking().ToListAsync(cancellationToken);
        var root = all.FirstOrDefault(u => string.Equals(u.Name, unitName?.Trim(), StringComparison.Ordinal));
        if (root is null)
        {
            return new HashSet<string>();
        }

        var byParent = all.ToLookup(u => u.ParentId);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<OrgUnit>([root]);
        while (stack.TryPop(out var unit))
        {
            if (names.Add(unit.Name))
            {
                foreach (var child in byParent[unit.Id])
                {
                    stack.Push(child);
                }
            }
        }

        return names;
    }

    public async Task<UnitInfo> CreateAsync(WorkbenchActor actor, string name, int? parentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var clean = string.Join(' ', (name ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (clean.Length == 0 || clean.Length > MaxNameLength)
        {
            throw new ReviewOperationException($"A unit needs a name of 1 to {MaxNameLength} characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Units.AnyAsync(u => u.Name == clean, cancellationToken))
        {
            throw new ReviewOperationException($"A unit named \"{clean}\" already exists; pick another name.");
        }

        var parent = parentId is { } pid
            ? await db.Units.AsNoTracking().FirstOrDefaultAsync(u => u.Id == pid, cancellationToken) ?? throw new ReviewOperationException("The parent unit no longer exists; reload the page.")
            : null;
        await audit.WriteAsync(AuditEvent.For(actor, ReviewAuditActions.UnitCreated, clean, details: new { name = clean, parent = parent?.Name }), cancellationToken);
        var unit = new OrgUnit { Name = clean, ParentId = parent?.Id, CreatedAt = DateTime.UtcNow };
        db.Units.Add(unit);
        await db.SaveChangesAsync(cancellationToken);
        return new UnitInfo(unit.Id, unit.Name, unit.ParentId, parent?.Name, 0);
    }

    /// <summary>Moves a unit under another (or to the top with null). A unit cannot move under itself or one of its own sub-units.</summary>
    public async Task SetParentAsync(WorkbenchActor actor, int unitId, int? parentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = await db.Units.ToListAsync(cancellationToken);
        var unit = all.FirstOrDefault(u => u.Id == unitId) ?? throw new ReviewOperationException("That unit no longer exists; reload the page.");
        OrgUnit? parent = null;
        if (parentId is { } pid)
        {
            parent = all.FirstOrDefault(u => u.Id == pid) ?? throw new ReviewOperationException("The parent unit no longer exists; reload the page.");
            for (var cursor = parent; cursor is not null; cursor = all.FirstOrDefault(u => u.Id == cursor.ParentId))
            {
                if (cursor.Id == unit.Id)
                {
                    throw new ReviewOperationException($"\"{unit.Name}\" cannot be placed under \"{parent.Name}\": that unit is part of it.");
                }
            }
        }

        var from = unit.ParentId is { } old ? all.First(u => u.Id == old).Name : null;
        await audit.WriteAsync(AuditEvent.For(actor, ReviewAuditActions.UnitParentChanged, unit.Name, details: new { from, to = parent?.Name }), cancellationToken);
        unit.ParentId = parent?.Id;
        await db.SaveChangesAsync(cancellationToken);
    }
}
