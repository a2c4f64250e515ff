using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Tests.Conversations;
using Microsoft.EntityFrameworkCore;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// PostgreSQL stopped while a chat answer streams, on a PRIVATE server (tests/services.sh with its own state folder;
/// the shared one other tests use is never touched): requests fail while it is away, nothing is half-written (the turn
/// that was streaming ends whole once the server returns; a turn sent while it was away is absent), and the workbench
/// recovers by itself: the next turn works without a restart.
/// </summary>
public sealed class PostgresStoppedMidRunTests
{
    [Fact]
    public async Task PostgresStoppedMidAnswer_RequestsFail_NothingHalfWritten_AndTheAppRecoversWhenItReturns()
    {
        await using var server = await PrivatePostgres.StartAsync();
        var model = new ScriptedChatClient();
        await using var host = await ConversationTestHost.StartAsync(model, new Dictionary<string, string?>
        {
            ["Data:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = server.ConnectionString + ";Timeout=3;Command Timeout=5",
            ["Conversations:FlushIntervalMs"] = "100",
        });
        var actor = ConversationTestHost.Analyst();
        var session = await host.Service.CreateSessionAsync(actor, null, null, default);
        var turn = await host.Turns.SendAsync(actor, session.Id, "first question", null, null, default);
        var pieces = await model.NextCallAsync();
        await pieces.WriteAsync("streamed before ");
        await WaitUntilAsync(async () => (await host.MessageAsync(turn.AnswerId)).Content.Length > 0);

        await server.StopAsync();
        var refused = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => host.Turns.SendAsync(actor, session.Id, "sent while the database is away", null, null, default));
        // What the chat page shows: the database by provider, server and name, the cause, and that nothing was kept.
        var database = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString).Database;
        // The cause is the driver's, said plainly: refused for a new connection, or the shutdown a pooled one saw.
        Assert.Matches(
            $@"^The database \(PostgreSQL at 127\.0\.0\.1:{server.Port}, database {database}\) cannot be reached: " +
            @"(connection refused|the server is shutting down \(57P01\)|the connection was closed by the server)\. Nothing was saved; try again when it is back\.$",
            refused.Message);
        await pieces.WriteAsync("and after the stop");
        pieces.Complete(); // the final write fails now and is retried until the server returns

        await server.RestartAsync();
        var answer = await host.FinishedAsync(turn.AnswerId, TimeSpan.FromSeconds(60));
        Assert.Equal(MessageStatus.Complete, answer.Status);
        Assert.Equal("streamed before and after the stop", answer.Content);
        Assert.Equal(0, await host.DbAsync(db => db.Messages.CountAsync(m => m.Content == "sent while the database is away")));

        var next = await host.Turns.SendAsync(actor, session.Id, "after the return", null, null, default);
        var nextPieces = await model.NextCallAsync();
        await nextPieces.WriteAsync("fine");
        nextPieces.Complete();
        Assert.Equal(MessageStatus.Complete, (await host.FinishedAsync(next.AnswerId)).Status);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
