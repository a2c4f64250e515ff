using AxWorkbench.Core.Data;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Identity;

/// <summary>
/// Users, roles, claims and logins (ASP.NET Identity's tables) on the shared database, with their own migration
/// history ("__Migrations_Identity"). It stands apart from <see cref="WorkbenchDbContext"/> because its model is fixed
/// by <see cref="IdentityDbContext{TUser}"/> and because it lets Data depend on no feature.
/// </summary>
public sealed class WorkbenchIdentityDbContext(DbContextOptions<WorkbenchIdentityDbContext> options)
    : IdentityDbContext<WorkbenchUser>(options)
{
    public const string HistoryTable = "__Migrations_Identity";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<WorkbenchUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(200);
            user.Property(u => u.Unit).HasMaxLength(200);
            user.Property(u => u.CaveatAuthorizations).HasMaxLength(500);
            user.Property(u => u.Nationality).HasMaxLength(3);
            user.Property(u => u.Clearance).HasConversion<int>();
            user.Ignore(u => u.CaveatSet);
        });
    }
}

internal sealed class IdentityDesignTimeFactory() : DesignTimeFactory<WorkbenchIdentityDbContext>(WorkbenchIdentityDbContext.HistoryTable);
