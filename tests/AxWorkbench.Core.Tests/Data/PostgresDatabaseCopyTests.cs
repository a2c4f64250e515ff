using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Review;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// `db copy --to-postgres` (DatabaseCopy, as the command runs it): a populated SQLite workbench (users, sessions, a
/// sign-off, audit records) lands in an empty PostgreSQL database with the same ids and rows, the audit chain verifies
/// there against the same checkpoint file, a node started on it continues the chain, and a second copy is refused.
/// </summary>
public sealed class PostgresDatabaseCopyTests
{
    [Fact]
    public async Task PostgresCopy_OfAPopulatedSqliteWorkbench_KeepsIdsCountsAndTheChain_AndRefusesANonEmptyTarget()
    {
        await using var source = await ReviewTestHost.StartAsync();
        var supervisor = await source.AddUserAsync("sup", "1st Intelligence Battalion", ClassificationLevel.TopSecret, "SI");
        var kim = await source.AddUserAsync("kim", "1st Intelligence Battalion", ClassificationLevel.Secret);
        var secret = new Marking(ClassificationLevel.Secret);
        var first = await source.AddSessionAsync(kim, "convoy", secret, "bridge status", at: new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc), branch: true);
        await source.AddSessionAsync(kim, "radar", secret);
        await source.Review.SignOffAsync(ReviewTestHost.ReviewerFor(supervisor), first.SessionId, default);
        var log = source.Host.Services.GetRequiredService<AuditLog>();
        await log.WriteAsync(new AuditEvent { Action = AuditActions.Login, Actor = "kim", ClientAddress = "10.0.0.1" });
        var checkpoints = log.CheckpointPath;
        await log.DisposeAsync(); // the final checkpoint; the source is quiet, as an operator stops the workbench first
        var sourceOptions = source.Host.Services.GetRequiredService<IOptions<DataOptions>>().Value;
        var root = Path.GetTempPath();

        var targetFolder = TempDataHost.NewDirectory();
        await TestDatabase.SettingsAsync(DbProvider.Postgres, targetFolder); // creates the empty database
        var target = new DataOptions { Provider = DataOptions.Postgres, ConnectionString = TestDatabase.ConnectionString(targetFolder), DataDirectory = targetFolder };
        try
        {
            await DatabaseCopy.EnsureEmptyTargetAsync(target.ConnectionString, default);
            List<CopiedTable> tables =
            [
                .. await DatabaseCopy.CopyAsync<WorkbenchDbContext>(sourceOptions, target, root, WorkbenchDbContext.HistoryTable, default),
                .. await DatabaseCopy.CopyAsync<WorkbenchIdentityDbContext>(sourceOptions, target, root, WorkbenchIdentityDbContext.HistoryTable, default),
            ];

            Assert.All(tables, t => Assert.Equal(t.SourceRows, t.TargetRows));
            Assert.Equal(2, tables.Single(t => t.Table == "AspNetUsers").TargetRows);
            Assert.Equal(2, tables.Single(t => t.Table == "ChatSessions").TargetRows);
            Assert.Equal(5, tables.Single(t => t.Table == "ChatMessages").TargetRows);
            Assert.Equal(1, tables.Single(t => t.Table == "SessionReviews").TargetRows);
            var audited = tables.Single(t => t.Table == AuditData.TableName).TargetRows;
            Assert.True(audited >= 2, "the sign-off and the login are on record");

            var verdict = await AuditVerifier.VerifyAsync(DataOptions.Postgres, target.ConnectionString, checkpoints);
            Assert.True(verdict.IsValid, verdict.Message);
            Assert.Equal(audited, verdict.RecordsChecked);

            // Same ids, same times, same audit records.
            var options = new DbContextOptionsBuilder<WorkbenchDbContext>();
            DataServiceExtensions.Configure(options, target, root, WorkbenchDbContext.HistoryTable);
            await using (var copied = new WorkbenchDbContext(options.Options))
            {
                var session = await copied.Sessions.SingleAsync(s => s.Id == first.SessionId);
                Assert.Equal(kim.Id, session.OwnerId);
                Assert.Equal(new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc), session.CreatedAt);
                Assert.Equal(first.Answer, session.SelectedLeafId);
            }

            // A second copy into it is refused before anything is written.
            var refused = await Assert.ThrowsAsync<DatabaseCopyException>(() => DatabaseCopy.EnsureEmptyTargetAsync(target.ConnectionString, default));
            Assert.Contains("is not empty", refused.Message, StringComparison.Ordinal);

            // A node on the copy continues the same chain (and the same checkpoint file).
            await using var node = await TempDataHost.StartAsync(directory: targetFolder, provider: DbProvider.Postgres, settings: new()
            {
                ["Audit:CheckpointPath"] = checkpoints,
            });
            var next = await node.Services.GetRequiredService<IAuditLog>().WriteAsync(new AuditEvent { Action = AuditActions.Login, Actor = "sup" });
            Assert.Equal(audited + 1, next.Sequence);
            await node.Services.GetRequiredService<AuditLog>().DisposeAsync();
            Assert.True((await AuditVerifier.VerifyAsync(DataOptions.Postgres, target.ConnectionString, checkpoints)).IsValid);
        }
        finally
        {
            await TestDatabase.DropAsync(DbProvider.Postgres, targetFolder);
        }
    }
}
