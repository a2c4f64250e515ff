using AxWorkbench.Core.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Data;

public sealed class WorkbenchDbContext(DbContextOptions<WorkbenchDbContext> options)
    : IdentityDbContext<WorkbenchUser>(options)
{
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
