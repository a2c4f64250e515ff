using AxWorkbench.Core.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AxWorkbench.Core.Tests.Data;

/// <summary>
/// Data:Provider=Postgres against a real server (AXWB_TEST_POSTGRES): an unreachable server, wrong credentials or a
/// missing database stop the start with one line that names ConnectionStrings:Workbench and the cause.
/// </summary>
public sealed class PostgresStartupTests
{
    private static Task<TempDataHost> StartOnAsync(string connectionString) =>
        TempDataHost.StartAsync(settings: new()
        {
            ["Data:Provider"] = DataOptions.Postgres,
            [DataOptions.ConnectionStringSetting] = connectionString,
        });

    private static NpgsqlConnectionStringBuilder Server() => new(TestDatabase.ServerConnectionString);

    private static async Task<string> StartFailureAsync(string connectionString)
    {
        var ex = await Assert.ThrowsAsync<DatabaseConfigurationException>(() => StartOnAsync(connectionString));
        Assert.DoesNotContain('\n', ex.Message);
        Assert.StartsWith(DataOptions.ConnectionStringSetting + ":", ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }

    [Fact]
    public async Task PostgresStart_UnreachableServer_NamesTheSettingAndTheServer()
    {
        var builder = Server();
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            builder.Port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        } // closed again: nothing listens on that port now
        builder.Timeout = 5;

        var message = await StartFailureAsync(builder.ConnectionString);

        Assert.Contains($"cannot reach the PostgreSQL server at 127.0.0.1:{builder.Port}", message, StringComparison.Ordinal);
        Assert.Contains("ConnectionRefused", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStart_WrongPassword_SaysTheCredentialsWereRefused_WithoutThePassword()
    {
        var builder = Server();
        builder.Password = "not-the-password-" + Guid.NewGuid().ToString("N");

        var message = await StartFailureAsync(builder.ConnectionString);

        Assert.Contains("wrong credentials", message, StringComparison.Ordinal);
        Assert.Contains($"'{builder.Username}'", message, StringComparison.Ordinal);
        Assert.DoesNotContain(builder.Password, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStart_MissingDatabase_NamesTheDatabase()
    {
        var builder = Server();
        builder.Database = "axwb_missing_" + Guid.NewGuid().ToString("N")[..12];

        var message = await StartFailureAsync(builder.ConnectionString);

        Assert.Contains($"database '{builder.Database}' does not exist", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStart_WithoutConnectionString_NamesTheSetting()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TempDataHost.StartAsync(settings: new() { ["Data:Provider"] = DataOptions.Postgres }));

        Assert.Contains(DataOptions.ConnectionStringSetting + " must be set when Data:Provider is Postgres", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownProvider_IsRefusedNamingBothChoices()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TempDataHost.StartAsync(settings: new() { ["Data:Provider"] = "MySql" }));

        Assert.Contains("Data:Provider must be 'Sqlite' or 'Postgres'", ex.Message, StringComparison.Ordinal);
    }
}
