using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Identity;

public static class IdentityServiceExtensions
{
    /// <summary>
    /// The users' tables only (<see cref="WorkbenchIdentityDbContext"/>, migrated at start), for features that read users
    /// (Review's scope) without the Identity stores. Safe to call more than once.
    /// </summary>
    public static IHostApplicationBuilder AddWorkbenchIdentityData(this IHostApplicationBuilder builder)
    {
        builder.AddWorkbenchData();
        if (!builder.Services.Any(s => s.ServiceType == typeof(IDbContextFactory<WorkbenchIdentityDbContext>)))
        {
            builder.AddWorkbenchDbContext<WorkbenchIdentityDbContext>(WorkbenchIdentityDbContext.HistoryTable);
        }
        return builder;
    }

    /// <summary>Users, roles and their stores; the web host adds sign-in and cookies on top.</summary>
    public static IdentityBuilder AddWorkbenchIdentityCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DemoOptions>()
            .Bind(builder.Configuration.GetSection(DemoOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.AddOptionsWithValidateOnStart<AccountPolicyOptions>()
            .Bind(builder.Configuration.GetSection(AccountPolicyOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.AddOptions<IdentityOptions>().Configure<IOptions<AccountPolicyOptions>>((options, policy) =>
        {
            var rules = policy.Value;
            options.Password.RequiredLength = rules.PasswordMinLength;
            options.Password.RequireUppercase = rules.PasswordRequiresUpper;
            options.Password.RequireLowercase = rules.PasswordRequiresLower;
            options.Password.RequireDigit = rules.PasswordRequiresDigit;
            options.Password.RequireNonAlphanumeric = rules.PasswordRequiresSymbol;
            options.Lockout.MaxFailedAccessAttempts = rules.LockoutFailures;
            options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(rules.LockoutMinutes);
        });
        // The site's directory (off unless Security:Directory:Enabled); checked at start, each message naming the setting.
        builder.Services.AddOptionsWithValidateOnStart<DirectoryOptions>()
            .Bind(builder.Configuration.GetSection(DirectoryOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<DirectoryOptions>, DirectoryOptionsValidator>();
        builder.Services.AddSingleton<DirectoryClient>();
        builder.Services.AddScoped<DirectoryAccounts>();
        builder.AddWorkbenchIdentityData();
        builder.AddWorkbenchAudit(); // every user change is audited
        // Identity's stores need a scoped context; it lives for one request (login/logout endpoints)
        // or one revalidation scope, never for a whole circuit.
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<WorkbenchIdentityDbContext>>().CreateDbContext());
        builder.Services.AddScoped<UserAdministration>();
        builder.Services.AddScoped<DemoUserSeeder>();
        return builder.Services.AddIdentityCore<WorkbenchUser>(options =>
            {
                // Length, character classes and lockout come from AccountPolicyOptions (above).
                options.Lockout.AllowedForNewUsers = true;
                options.User.RequireUniqueEmail = false;
                options.SignIn.RequireConfirmedAccount = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<WorkbenchIdentityDbContext>();
    }
}
