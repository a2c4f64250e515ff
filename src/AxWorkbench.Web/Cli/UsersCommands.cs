using AxWorkbench.Core.Actors;
using System.CommandLine;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Cluster;
using AxWorkbench.Core.Identity;

namespace AxWorkbench.Web.Cli;

/// <summary>`users add|add-cert|certs|remove-cert|list|disable|enable|set-roles|set-clearance|reset-password`.</summary>
internal static class UsersCommands
{
    public static Command Build(CliContext context)
    {
        var output = context.Output;
        var error = context.Error;
        var users = new Command("users", "Create and change user accounts (roles, clearance, unit).");

        var userName = new Argument<string>("username") { Description = "Login name." };
        var roles = new Option<string[]>("--role") { Description = $"Role(s): {string.Join(", ", Roles.All)}. Repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var clearance = new Option<string>("--clearance") { Description = "Clearance as a banner line in the site's scheme, e.g. \"SECRET//NOFORN\" or \"Ⅱ급비밀\".", Required = true };
        var unit = new Option<string>("--unit") { Description = "Organisational unit.", Required = true };
        var displayName = new Option<string?>("--name") { Description = "Display name (default: the login name)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input; otherwise one is generated and printed once." };

        var add = new Command("add", "Add a user. Prints a generated password once unless --password-stdin is given.")
        {
            userName, roles, clearance, unit, displayName, passwordStdin,
        };
        add.SetAction((parse, ct) => RunAsync(context, ct, null, async admin =>
        {
            var generated = !parse.GetValue(passwordStdin);
            var password = generated ? UserAdministration.GeneratePassword() : (await Console.In.ReadLineAsync(ct))?.Trim() ?? "";
            var user = await admin.AddAsync(parse.GetValue(userName)!, password, parse.GetValue(roles)!, parse.GetValue(clearance)!, parse.GetValue(unit)!, parse.GetValue(displayName));
            await output.WriteLineAsync($"Added {user.UserName} ({string.Join(", ", parse.GetValue(roles)!)}), clearance {admin.FormatClearance(user)}, unit {user.Unit}.");
            if (generated)
            {
                await output.WriteLineAsync($"Password (shown once): {password}");
            }
        }));

        var list = new Command("list", "List users with roles, clearance and state.");
        list.SetAction((parse, ct) => RunAsync(context, ct, null, async admin =>
        {
            await output.WriteLineAsync($"{"USER",-16} {"ROLES",-20} {"CLEARANCE",-30} {"UNIT",-30} STATE");
            foreach (var u in await admin.ListAsync())
            {
                var state = u.Disabled ? "disabled" : u.LockedOut ? "locked out" : "active";
                await output.WriteLineAsync($"{u.UserName,-16} {string.Join(",", u.Roles),-20} {u.Clearance,-30} {u.Unit,-30} {state}");
            }
        }));

        var disable = new Command("disable", "Disable a user; open sessions end at the next revalidation.") { userName };
        disable.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            await admin.SetDisabledAsync(parse.GetValue(userName)!, true);
            await output.WriteLineAsync($"Disabled {parse.GetValue(userName)}.");
        }));

        var enable = new Command("enable", "Enable a disabled user.") { userName };
        enable.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            await admin.SetDisabledAsync(parse.GetValue(userName)!, false);
            await output.WriteLineAsync($"Enabled {parse.GetValue(userName)}.");
        }));

        var setRoles = new Command("set-roles", "Replace a user's roles.") { userName, roles };
        setRoles.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            await admin.SetRolesAsync(parse.GetValue(userName)!, parse.GetValue(roles)!);
            await output.WriteLineAsync($"Roles of {parse.GetValue(userName)}: {string.Join(", ", parse.GetValue(roles)!)}.");
        }));

        var clearanceArg = new Argument<string>("clearance") { Description = "Banner line, e.g. \"TOP SECRET//SI//NOFORN\"." };
        var setClearance = new Command("set-clearance", "Set a user's clearance; the running nodes are told, so open sessions apply it at once (at the latest within the revalidation interval).") { userName, clearanceArg };
        setClearance.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            await admin.SetClearanceAsync(parse.GetValue(userName)!, parse.GetValue(clearanceArg)!);
            await output.WriteLineAsync($"Clearance of {parse.GetValue(userName)} set.");
        }));

        var resetPassword = new Command("reset-password", "Set a new generated password (printed once) and clear any lockout.") { userName };
        resetPassword.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            var password = await admin.ResetPasswordAsync(parse.GetValue(userName)!);
            await output.WriteLineAsync($"New password for {parse.GetValue(userName)} (shown once): {password}");
        }));

        var certificateFile = new Argument<FileInfo>("certificate") { Description = "The user's certificate: PEM or DER (.cer/.crt/.pem), no private key needed." };
        var by = new Option<CertificateMatch>("--by") { Description = "What identifies the user: Thumbprint (this certificate only), Subject (its subject name) or Upn (the UPN in its SAN).", DefaultValueFactory = _ => CertificateMatch.Thumbprint };
        var addCert = new Command("add-cert", "Register a client certificate (PKI/CAC) for a user; it signs in as that user once its chain, dates and CRLs pass.")
        {
            userName, certificateFile, by,
        };
        addCert.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            var file = parse.GetValue(certificateFile)!;
            if (!file.Exists)
            {
                throw new UserAdministrationException($"The certificate file '{file.FullName}' does not exist.");
            }
            System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
            try
            {
                certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(file.FullName);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw new UserAdministrationException($"'{file.FullName}' is not a PEM or DER certificate: {ex.Message}");
            }
            var registered = await admin.AddCertificateAsync(parse.GetValue(userName)!, certificate, parse.GetValue(by));
            await output.WriteLineAsync($"Registered for {parse.GetValue(userName)}: {registered} (subject {certificate.Subject}, issuer {certificate.Issuer}).");
        }));

        var certs = new Command("certs", "List the client certificates registered to a user.") { userName };
        certs.SetAction((parse, ct) => RunAsync(context, ct, null, async admin =>
        {
            var registered = await admin.ListCertificatesAsync(parse.GetValue(userName)!);
            if (registered.Count == 0)
            {
                await output.WriteLineAsync($"No certificate is registered to {parse.GetValue(userName)}.");
            }
            foreach (var certificate in registered)
            {
                await output.WriteLineAsync($"{certificate.Match}: {certificate.Value}");
            }
        }));

        var registration = new Argument<string>("value") { Description = "The thumbprint, subject or UPN as `users certs` lists it." };
        var removeBy = new Option<CertificateMatch?>("--by") { Description = "Only a registration of this kind (Thumbprint, Subject, Upn)." };
        var removeCert = new Command("remove-cert", "Remove a client certificate registration; sessions signed in with it end at the next revalidation.")
        {
            userName, registration, removeBy,
        };
        removeCert.SetAction((parse, ct) => RunAsync(context, ct, parse.GetValue(userName), async admin =>
        {
            var removed = await admin.RemoveCertificateAsync(parse.GetValue(userName)!, parse.GetValue(registration)!, parse.GetValue(removeBy));
            await output.WriteLineAsync($"Removed from {parse.GetValue(userName)}: {removed.Match}: {removed.Value}.");
        }));

        users.Subcommands.Add(add);
        users.Subcommands.Add(addCert);
        users.Subcommands.Add(certs);
        users.Subcommands.Add(removeCert);
        users.Subcommands.Add(list);
        users.Subcommands.Add(disable);
        users.Subcommands.Add(enable);
        users.Subcommands.Add(setRoles);
        users.Subcommands.Add(setClearance);
        users.Subcommands.Add(resetPassword);
        return users;
    }

    /// <param name="changedUser">The user the command changes: once it succeeded, every running node is told
    /// (<see cref="ClusterTopics.UserChanged"/>, as the users page does) and that user's open circuits revalidate now
    /// instead of at their next revalidation; null for commands that change no open session.</param>
    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken, string? changedUser, Func<UserAdministration, Task> action)
    {
        using var host = await context.StartDataHostAsync(cancellationToken);
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            await action(scope.ServiceProvider.GetRequiredService<UserAdministration>());
            if (changedUser is not null
                && !await host.Services.GetRequiredService<IClusterEvents>().TryPublishAsync(ClusterTopics.UserChanged, new UserChangedEvent(changedUser), cancellationToken))
            {
                await context.Error.WriteLineAsync(
                    $"warning: the change is saved, but the running nodes could not be told; {changedUser}'s open sessions apply it at their next revalidation (Security:RevalidationIntervalSeconds).");
            }
            return 0;
        }
        catch (Exception ex) when (ex is UserAdministrationException or AuditUnavailableException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }
}
