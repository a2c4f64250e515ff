using System.Globalization;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AxWorkbench.E2E.Chat;

/// <summary>
/// Crash test: the real app as a child process, a prompt sent through the UI (and acknowledged: shown as a committed turn),
/// then SIGKILL at a random moment while the answer streams, again and again (<see cref="ChatCrashLoop"/>; the benchmark's
/// `crash` mode runs the same loop 200 times). After a last restart: SQLite's integrity check is ok, every acknowledged
/// turn is there with its answer row, and no answer is left "generating": answers cut off are "interrupted" with the text
/// flushed before the kill. Runs: AXWB_CRASH_RUNS (default 20); seed: AXWB_CRASH_SEED.
/// </summary>
[Collection(ChatCrashCollection.Name)]
public sealed class ChatCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "Crash-Test-Password-2026!";
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "axworkbench-crash-" + Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Infrastructure.WorkbenchFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    [Fact]
    public async Task SigkillDuringGenerations_LosesNoAcknowledgedTurn_AndLeavesInterruptedAnswersWithTheirText()
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("AXWB_CRASH_RUNS"), CultureInfo.InvariantCulture, out var r) ? r : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AXWB_CRASH_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Environment.TickCount;
        output.WriteLine($"crash test: {runs} runs, seed {seed}, data {_dataDirectory}");

        var result = await new ChatCrashLoop(_browser!, _dataDirectory, Password, output.WriteLine).RunAsync(runs, seed);
        output.WriteLine(result.Summary);
        Console.WriteLine(result.Summary);

        Assert.Equal("ok", result.Integrity);
        Assert.Empty(result.Lost);
        Assert.Equal(0, result.Orphans);
        Assert.Equal(0, result.Generating);
        Assert.Equal(0, result.FlushedButEmpty);
        Assert.True(result.InterruptedWithText > 0, "no kill landed after a flush: expected interrupted answers that kept their text");
        Assert.True(result.Acknowledged.Count >= runs * 3 / 4, $"only {result.Acknowledged.Count} of {runs} runs got a turn acknowledged");
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChatCrashCollection
{
    public const string Name = "Chat crash test (own app processes)";
}
