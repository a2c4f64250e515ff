using System.Collections.Concurrent;
using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Data;
using AxWorkbench.Core.Identity;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Tests.Data;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Tests.Documents;

public sealed class SqliteDocumentsDirectoryTests() : DocumentsDirectoryTests(DbProvider.Sqlite);

public sealed class PostgresDocumentsDirectoryTests() : DocumentsDirectoryTests(DbProvider.Postgres);

/// <summary>
/// Data:DocumentsDirectory places the originals (a folder every node shares, for several nodes); without it they stay
/// in the node's data folder, which on PostgreSQL (how a site runs several nodes) is said at start, at Warning, naming
/// the setting.
/// </summary>
public abstract class DocumentsDirectoryTests(DbProvider provider)
{
    private static readonly UserAuthorization SecretAnalyst = new(ClassificationLevel.Secret, new HashSet<string>());
    private static readonly WorkbenchActor Kim = new("kim", "kim", [], SecretAnalyst, ClientAddress: "127.0.0.1");

    [Fact]
    public async Task Upload_KeepsTheOriginalInDataDocumentsDirectory_NotInTheNodesDataFolder()
    {
        var shared = Path.Combine(Path.GetTempPath(), "axwb-tests", "shared-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = await DocumentsTestHost.StartAsync(new() { [DataOptions.DocumentsDirectorySetting] = shared }, provider: provider);

            var stored = await host.Library.StoreAsync(new MemoryStream("(U) The ferry runs at noon."u8.ToArray()), "ferry.txt", Marking.Unclassified, SecretAnalyst, "kim", Kim);

            var expected = Path.Combine(shared, "originals", stored.Sha256[..2], stored.Sha256);
            Assert.True(File.Exists(expected), $"the original should be at {expected}");
            Assert.Equal(expected, host.Library.OriginalPath(stored.Sha256));
            Assert.False(Directory.Exists(Path.Combine(host.Directory, "documents", "originals")), "nothing in the node's own data folder");
        }
        finally
        {
            if (Directory.Exists(shared))
            {
                Directory.Delete(shared, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_SaysWhenOriginalsStayInTheNodesOwnFolder_OnPostgresOnly(bool shared)
    {
        var logs = new Collector();
        var settings = new Dictionary<string, string?>();
        if (shared)
        {
            settings[DataOptions.DocumentsDirectorySetting] = Path.Combine(Path.GetTempPath(), "axwb-tests", "shared-" + Guid.NewGuid().ToString("N"));
        }

        await using var host = await DocumentsTestHost.StartAsync(settings, b => b.Logging.AddProvider(logs), provider: provider);

        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains(DataOptions.DocumentsDirectorySetting, StringComparison.Ordinal)).ToList();
        if (provider == DbProvider.Postgres && !shared)
        {
            var warning = Assert.Single(warnings);
            Assert.StartsWith("Data:DocumentsDirectory is not set: document originals are kept in this node's data folder (", warning.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(host.Directory, "documents"), warning.Message, StringComparison.Ordinal);
            Assert.Contains("NFS", warning.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(warnings);
        }
    }

    private sealed class Collector : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(Collector collector) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                collector.Entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
