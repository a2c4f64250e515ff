using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Data;

/// <summary>
/// The Data Protection key ring in the database (history "__Migrations_Keys"), used only when Data:Provider is
/// Postgres: every node reads the same keys, so a login cookie or antiforgery token issued by one node is valid on
/// all. On SQLite (one node) the keys stay files under the data folder and this context is not registered, so it has
/// PostgreSQL migrations only. Its own context because its model is fixed by <see cref="IDataProtectionKeyContext"/>.
/// </summary>
public sealed class WorkbenchKeysDbContext(DbContextOptions<WorkbenchKeysDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public const string HistoryTable = "__Migrations_Keys";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
}
