using AxWorkbench.Core.Actors;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Identity;

public sealed record DemoUser(string UserName, string DisplayName, string Role, string UsClearance, string RokClearance, string Unit);

/// <summary>Seeds analyst, supervisor and admin on an empty database, with different clearances.</summary>
public sealed class DemoUserSeeder(UserAdministration admin, UserManager<WorkbenchUser> users, IOptions<DemoOptions> options)
{
    public static IReadOnlyList<DemoUser> Users { get; } =
    [
        new("analyst", "Analyst Kim", Roles.Analyst, "SECRET//NOFORN", "Ⅱ급비밀", "1st Intelligence Battalion"),
        new("supervisor", "Supervisor Lee", Roles.Supervisor, "TOP SECRET//SI//TK//NOFORN", "Ⅰ급비밀", "1st Intelligence Battalion"),
        new("admin", "Admin Park", Roles.Admin, "CONFIDENTIAL", "Ⅲ급비밀", "Headquarters"),
    ];

    /// <summary>Returns the created users with their passwords (to print once), or an empty list when nothing was seeded.</summary>
    public async Task<IReadOnlyList<(DemoUser User, string Password)>> SeedAsync(Markings.MarkingSchemeKind scheme)
    {
        await admin.EnsureRolesAsync();
        if (!options.Value.Enabled || await users.Users.AnyAsync())
        {
            return [];
        }
        var created = new List<(DemoUser, string)>();
        foreach (var demo in Users)
        {
            var password = string.IsNullOrWhiteSpace(options.Value.Password) ? UserAdministration.GeneratePassword() : options.Value.Password;
            var clearance = scheme == Markings.MarkingSchemeKind.Rok ? demo.RokClearance : demo.UsClearance;
            await admin.AddAsync(demo.UserName, password, [demo.Role], clearance, demo.Unit, demo.DisplayName);
            created.Add((demo, password));
        }
        return created;
    }
}
