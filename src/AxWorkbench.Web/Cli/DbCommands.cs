using System.CommandLine;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Cli;

/// <summary>
/// `db copy --to-postgres CONNECTION-STRING`: moves this SQLite workbench into an empty PostgreSQL database (ids and
/// audit records unchanged), then compares the row counts of every table and verifies the audit chain there.
/// Exit 0 copied and verified, 1 copied but a count or the chain does not match, 2 refused (nothing copied).
/// </summary>
internal static class DbCommands
{
    public static Command Build(CliContext context)
    {
        var db = new Command("db", "Move the workbench's data to another database.");
        var target = new Option<string>("--to-postgres")
        {
            Description = "Connection string of an EMPTY PostgreSQL database, e.g. \"Host=db;Port=5432;Username=axwb;Password=...;Database=axwb\".",
            Required = true,
        };
        var copy = new Command("copy", "Copy this SQLite workbench (stop it first) into an empty PostgreSQL database, then check counts and the audit chain.") { target };
        copy.SetAction((parse, ct) => CopyAsync(context, parse.GetValue(target)!, ct));
        db.Subcommands.Add(copy);
        return db;
    }

    private static async Task<int> CopyAsync(CliContext context, string target, CancellationToken cancellationToken)
    {
        using var host = await context.StartDataHostAsync(cancellationToken);
        var source = host.Services.GetRequiredService<IOptions<DataOptions>>().Value;
        if (source.IsPostgres)
        {
            await context.Error.WriteLineAsync("error: db copy reads a SQLite workbench, and Data:Provider is already Postgres here.");
            return 2;
        }
        var contentRoot = host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var destination = new DataOptions { Provider = DataOptions.Postgres, ConnectionString = target, DataDirectory = source.DataDirectory };
        List<CopiedTable> tables;
        try
        {
            await DatabaseCopy.EnsureEmptyTargetAsync(target, cancellationToken);
            tables =
            [
                .. await DatabaseCopy.CopyAsync<WorkbenchDbContext>(source, destination, contentRoot, WorkbenchDbContext.HistoryTable, cancellationToken),
                .. await DatabaseCopy.CopyAsync<WorkbenchIdentityDbContext>(source, destination, contentRoot, WorkbenchIdentityDbContext.HistoryTable, cancellationToken),
            ];
        }
        catch (Exception ex) when (ex is DatabaseCopyException or DatabaseConfigurationException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }

        var status = 0;
        foreach (var table in tables)
        {
            var same = table.SourceRows == table.TargetRows;
            status = same ? status : 1;
            await context.Output.WriteLineAsync($"{(same ? "ok  " : "DIFF")} {table.Table,-32} {table.SourceRows,8} -> {table.TargetRows,8}");
        }
        var checkpoints = host.Services.GetRequiredService<AuditVerifier>().ConfiguredCheckpointPath;
        var verdict = await AuditVerifier.VerifyAsync(DataOptions.Postgres, target, checkpoints, cancellationToken);
        await context.Output.WriteLineAsync($"audit chain on the target {(verdict.IsValid ? "INTACT" : "BROKEN")}: {verdict.Message}");
        if (!verdict.IsValid)
        {
            return 1;
        }
        await context.Output.WriteLineAsync(status == 0
            ? "Copied. Point the workbench at it: Data:Provider=Postgres and ConnectionStrings:Workbench (keep Audit:CheckpointPath); users sign in again."
            : "Copied, but the counts above differ: do not switch to this database.");
        return status;
    }
}
